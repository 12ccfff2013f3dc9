using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Configuration;

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
