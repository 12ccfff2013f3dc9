using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Security;

/// <summary><c>Pipeline:Security:Limits</c>: request body sizes.</summary>
public sealed class RequestLimitOptions
{
    public const string Section = "Pipeline:Security:Limits";

    /// <summary>Kestrel's limit for any request body.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Limit for <c>/api</c> request bodies.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int ApiMaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Limit for the sign-in and sign-out forms.</summary>
    [Range(256, 1024 * 1024)]
    public int FormMaxBodyBytes { get; set; } = 16 * 1024;
}
