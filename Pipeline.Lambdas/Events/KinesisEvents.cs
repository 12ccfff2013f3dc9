using System.Text.Json.Serialization;

namespace Pipeline.Lambdas.Events;

/// <summary>The event a Kinesis event source mapping hands to the function: a batch of records from one shard.</summary>
public sealed record KinesisEvent
{
    [JsonPropertyName("Records")]
    public List<KinesisEventRecord>? Records { get; init; }
}

/// <summary>One record of a <see cref="KinesisEvent"/>.</summary>
public sealed record KinesisEventRecord
{
    public KinesisRecordData? Kinesis { get; init; }
    public string? EventSource { get; init; }
    public string? EventVersion { get; init; }

    /// <summary><c>shardId-000000000000:&lt;sequence number&gt;</c>.</summary>
    [JsonPropertyName("eventID")]
    public string? EventId { get; init; }

    public string? EventName { get; init; }
    public string? InvokeIdentityArn { get; init; }
    public string? AwsRegion { get; init; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    /// <summary>The shard the record came from: the part of <see cref="EventId"/> before the colon.</summary>
    [JsonIgnore]
    public string ShardId => EventId is { } id && id.IndexOf(':') is > 0 and var colon ? id[..colon] : "";
}

/// <summary>The <c>kinesis</c> part of a record: the data (base64) and where it sits in the shard.</summary>
public sealed record KinesisRecordData
{
    public string? KinesisSchemaVersion { get; init; }
    public string? PartitionKey { get; init; }
    public string? SequenceNumber { get; init; }

    /// <summary>The record's bytes, base64-encoded.</summary>
    public string? Data { get; init; }

    /// <summary>Seconds since the Unix epoch, with a fractional part (e.g. 1480641523.477).</summary>
    public decimal ApproximateArrivalTimestamp { get; init; }

    [JsonIgnore]
    public DateTimeOffset ArrivalTime => DateTimeOffset.UnixEpoch.AddTicks((long)(ApproximateArrivalTimestamp * TimeSpan.TicksPerSecond));
}

/// <summary>The partial-batch answer (<c>ReportBatchItemFailures</c>): only the listed records are retried.</summary>
public sealed record KinesisBatchResponse(List<KinesisBatchItemFailure> BatchItemFailures);

/// <summary>A record to retry, identified by its sequence number.</summary>
public sealed record KinesisBatchItemFailure(string ItemIdentifier);
