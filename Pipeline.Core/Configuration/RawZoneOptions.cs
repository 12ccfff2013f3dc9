
namespace Pipeline.Core.Configuration;

public sealed class RawZoneOptions
{
    /// <summary><c>Pipeline:RawZone:Provider</c>: <c>Local</c> or <c>S3</c>.</summary>
    public string Provider { get; set; } = "Local";
}
