using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Configuration;

/// <summary>The <c>Pipeline</c> configuration section: where data lives and which adapter serves each port.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary><c>Pipeline:DataDirectory</c>: root of every embedded backend's files.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data";

    public StreamOptions Stream { get; set; } = new();
    public RawZoneOptions RawZone { get; set; } = new();
    public StoreOptions Store { get; set; } = new();
    public WarehouseOptions Warehouse { get; set; } = new();
}

public sealed class StreamOptions
{
    /// <summary><c>Pipeline:Stream:Provider</c>: <c>Local</c> or <c>Kinesis</c>.</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>Shards of the local stream (Kinesis: shards created when <c>Pipeline:Aws:CreateResources</c>).</summary>
    [Range(1, 64)]
    public int ShardCount { get; set; } = 2;

    [Range(1, 8760)]
    public int RetentionHours { get; set; } = 24;

    /// <summary>Records the local consumer reads per batch (the Lambda mapping's batch size).</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Attempts per record before the local consumer gives up on it (the mapping's maximum retries + 1).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// <c>Pipeline:Stream:FetchConcurrency</c>: records of one batch the fetch stage handles at once. A failure still
    /// retries every record from the first failed one on, in order.
    /// </summary>
    [Range(1, 64)]
    public int FetchConcurrency { get; set; } = 8;
}

public sealed class RawZoneOptions
{
    /// <summary><c>Pipeline:RawZone:Provider</c>: <c>Local</c> or <c>S3</c>.</summary>
    public string Provider { get; set; } = "Local";
}

public sealed class StoreOptions
{
    /// <summary><c>Pipeline:Store:Provider</c>: <c>Local</c> (SQLite) or <c>DynamoDb</c>.</summary>
    public string Provider { get; set; } = "Local";
}

public sealed class WarehouseOptions
{
    /// <summary><c>Pipeline:Warehouse:Provider</c>: <c>DuckDb</c> or <c>BigQuery</c>.</summary>
    public string Provider { get; set; } = "DuckDb";

    /// <summary><c>Pipeline:Warehouse:RefreshAfterRun</c>: refresh the warehouse when a run ends.</summary>
    public bool RefreshAfterRun { get; set; } = true;

    /// <summary>
    /// <c>Pipeline:Warehouse:RefreshMaxAttempts</c>: attempts of one refresh before it ends <c>failed</c> (a failed load,
    /// or counts that do not reconcile, is retried after <see cref="RefreshRetryDelay"/>, doubled each time).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 20)]
    public int RefreshMaxAttempts { get; set; } = 4;

    /// <summary><c>Pipeline:Warehouse:RefreshRetryDelay</c>: the wait before the second attempt (then 2x, 4x…, at most 10 minutes).</summary>
    public TimeSpan RefreshRetryDelay { get; set; } = TimeSpan.FromSeconds(15);
}

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
