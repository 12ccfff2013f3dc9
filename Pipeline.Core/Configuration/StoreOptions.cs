
namespace Pipeline.Core.Configuration;

public sealed class StoreOptions
{
    /// <summary><c>Pipeline:Store:Provider</c>: <c>Local</c> (SQLite) or <c>DynamoDb</c>.</summary>
    public string Provider { get; set; } = "Local";
}
