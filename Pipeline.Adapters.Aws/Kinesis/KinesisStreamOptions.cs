using System.ComponentModel.DataAnnotations;

namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>Settings of the Kinesis client and of the stream adapter built on it.</summary>
public sealed class KinesisStreamOptions
{
    /// <summary>Name of the data stream (1..128 of <c>[a-zA-Z0-9_.-]</c>).</summary>
    [Required]
    [StringLength(128, MinimumLength = 1)]
    [RegularExpression("[a-zA-Z0-9_.-]+")]
    public string StreamName { get; set; } = "";

    /// <summary>AWS region, e.g. <c>eu-west-1</c>: signing scope and default endpoint.</summary>
    [Required]
    [RegularExpression("[a-z]{2}(-[a-z]+)+-\\d+")]
    public string Region { get; set; } = "";

    /// <summary>Endpoint override (a local AWS-API server such as kinesalite), e.g. <c>http://127.0.0.1:4567</c>.</summary>
    [Url]
    public string? ServiceUrl { get; set; }

    /// <summary>Shards of the stream when this adapter creates it.</summary>
    [Range(1, 10_000)]
    public int ShardCount { get; set; } = 1;

    /// <summary>Create the stream at start when it does not exist (off by default: never in production unless asked).</summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>Attempts per PutRecords batch and per shard read before giving up (first try included).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Base of the exponential backoff (full jitter): attempt n waits a random time in [0, min(max, base·2ⁿ⁻¹)].</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Cap of one backoff delay.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>MaxResults of each ListShards page.</summary>
    [Range(1, 10_000)]
    public int ListShardsPageSize { get; set; } = 1000;

    /// <summary>How long <c>EnsureCreatedAsync</c> waits for the stream to become ACTIVE.</summary>
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Pause between DescribeStreamSummary calls while waiting for ACTIVE.</summary>
    public TimeSpan ActivationPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The endpoint: <see cref="ServiceUrl"/> when set, else the public regional endpoint.</summary>
    public Uri ResolveEndpoint()
    {
        if (!string.IsNullOrWhiteSpace(ServiceUrl)) return new Uri(ServiceUrl, UriKind.Absolute);
        if (string.IsNullOrWhiteSpace(Region))
            throw new InvalidOperationException("KinesisStreamOptions.Region is required when no ServiceUrl is set.");
        var suffix = Region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://kinesis.{Region}.{suffix}/");
    }
}
