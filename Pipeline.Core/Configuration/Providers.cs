
namespace Pipeline.Core.Configuration;

/// <summary>The provider names each port accepts, for validation messages that name the key.</summary>
public static class Providers
{
    public static readonly string[] Stream = ["Local", "Kinesis"];
    public static readonly string[] RawZone = ["Local", "S3"];
    public static readonly string[] Store = ["Local", "DynamoDb"];
    public static readonly string[] Warehouse = ["DuckDb", "BigQuery"];

    public static string? Check(string key, string value, string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal)
            ? null
            : $"{key} is '{value}'; expected one of: {string.Join(", ", allowed)}.";
}
