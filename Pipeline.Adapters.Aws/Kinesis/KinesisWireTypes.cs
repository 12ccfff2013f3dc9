using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Adapters.Aws.Kinesis;

// Request and response shapes of the Kinesis JSON 1.1 API (service-2.json, API version 2013-12-02). Property names are
// the model's member names; null members are left out of requests. Only the members this project uses are declared.

/// <summary>CreateStreamInput.</summary>
public sealed class CreateStreamRequest
{
    public required string StreamName { get; init; }

    /// <summary>Shards of a provisioned stream; null leaves the choice to the service.</summary>
    public int? ShardCount { get; init; }

    public StreamModeDetails? StreamModeDetails { get; init; }
}

/// <summary>StreamModeDetails: <c>PROVISIONED</c> or <c>ON_DEMAND</c>.</summary>
public sealed class StreamModeDetails
{
    public required string StreamMode { get; init; }
}

/// <summary>DeleteStreamInput.</summary>
public sealed class DeleteStreamRequest
{
    public required string StreamName { get; init; }

    public bool? EnforceConsumerDeletion { get; init; }
}

/// <summary>DescribeStreamSummaryInput.</summary>
public sealed class DescribeStreamSummaryRequest
{
    public string? StreamName { get; init; }

    public string? StreamARN { get; init; }
}

/// <summary>DescribeStreamSummaryOutput.</summary>
public sealed class DescribeStreamSummaryResponse
{
    public required StreamDescriptionSummary StreamDescriptionSummary { get; init; }
}

/// <summary>StreamDescriptionSummary.</summary>
public sealed class StreamDescriptionSummary
{
    public required string StreamName { get; init; }

    public string? StreamARN { get; init; }

    /// <summary><c>CREATING</c>, <c>DELETING</c>, <c>ACTIVE</c> or <c>UPDATING</c>.</summary>
    public required string StreamStatus { get; init; }

    public int RetentionPeriodHours { get; init; }

    [JsonConverter(typeof(EpochSecondsJsonConverter))]
    public DateTimeOffset? StreamCreationTimestamp { get; init; }

    public string? EncryptionType { get; init; }

    public int OpenShardCount { get; init; }

    public int? ConsumerCount { get; init; }

    public StreamModeDetails? StreamModeDetails { get; init; }
}

/// <summary>
/// ListShardsInput. <see cref="NextToken"/> and <see cref="StreamName"/> are mutually exclusive: the first page names
/// the stream, later pages send only the token (and optionally <see cref="MaxResults"/>).
/// </summary>
public sealed class ListShardsRequest
{
    public string? StreamName { get; init; }

    public string? NextToken { get; init; }

    public string? ExclusiveStartShardId { get; init; }

    /// <summary>1..10000.</summary>
    public int? MaxResults { get; init; }
}

/// <summary>ListShardsOutput.</summary>
public sealed class ListShardsResponse
{
    public List<Shard> Shards { get; init; } = [];

    public string? NextToken { get; init; }
}

/// <summary>Shard.</summary>
public sealed class Shard
{
    public required string ShardId { get; init; }

    public string? ParentShardId { get; init; }

    public string? AdjacentParentShardId { get; init; }

    public required HashKeyRange HashKeyRange { get; init; }

    public required SequenceNumberRange SequenceNumberRange { get; init; }
}

/// <summary>HashKeyRange: decimal strings of the 128-bit hash key range.</summary>
public sealed class HashKeyRange
{
    public required string StartingHashKey { get; init; }

    public required string EndingHashKey { get; init; }
}

/// <summary>SequenceNumberRange; <see cref="EndingSequenceNumber"/> is absent while the shard is open.</summary>
public sealed class SequenceNumberRange
{
    public required string StartingSequenceNumber { get; init; }

    public string? EndingSequenceNumber { get; init; }
}

/// <summary>PutRecordsInput.</summary>
public sealed class PutRecordsRequest
{
    /// <summary>1..500 entries.</summary>
    public required IReadOnlyList<PutRecordsRequestEntry> Records { get; init; }

    public string? StreamName { get; init; }

    public string? StreamARN { get; init; }
}

/// <summary>PutRecordsRequestEntry; <see cref="Data"/> travels as base64.</summary>
public sealed class PutRecordsRequestEntry
{
    public required ReadOnlyMemory<byte> Data { get; init; }

    public required string PartitionKey { get; init; }

    public string? ExplicitHashKey { get; init; }
}

/// <summary>PutRecordsOutput: one result per request entry, same order.</summary>
public sealed class PutRecordsResponse
{
    public int? FailedRecordCount { get; init; }

    public List<PutRecordsResultEntry> Records { get; init; } = [];

    public string? EncryptionType { get; init; }
}

/// <summary>PutRecordsResultEntry: sequence number and shard on success, error code and message on failure.</summary>
public sealed class PutRecordsResultEntry
{
    public string? SequenceNumber { get; init; }

    public string? ShardId { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }
}

/// <summary>ShardIteratorType.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ShardIteratorType>))]
public enum ShardIteratorType
{
    [JsonStringEnumMemberName("AT_SEQUENCE_NUMBER")]
    AtSequenceNumber,

    [JsonStringEnumMemberName("AFTER_SEQUENCE_NUMBER")]
    AfterSequenceNumber,

    [JsonStringEnumMemberName("TRIM_HORIZON")]
    TrimHorizon,

    [JsonStringEnumMemberName("LATEST")]
    Latest,

    [JsonStringEnumMemberName("AT_TIMESTAMP")]
    AtTimestamp,
}

/// <summary>GetShardIteratorInput.</summary>
public sealed class GetShardIteratorRequest
{
    public string? StreamName { get; init; }

    public required string ShardId { get; init; }

    public required ShardIteratorType ShardIteratorType { get; init; }

    /// <summary>For AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER.</summary>
    public string? StartingSequenceNumber { get; init; }

    /// <summary>For AT_TIMESTAMP.</summary>
    [JsonConverter(typeof(EpochSecondsJsonConverter))]
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>GetShardIteratorOutput; the iterator expires after five minutes.</summary>
public sealed class GetShardIteratorResponse
{
    public string? ShardIterator { get; init; }
}

/// <summary>GetRecordsInput.</summary>
public sealed class GetRecordsRequest
{
    public required string ShardIterator { get; init; }

    /// <summary>1..10000.</summary>
    public int? Limit { get; init; }
}

/// <summary>GetRecordsOutput; a null <see cref="NextShardIterator"/> means the shard is closed and fully read.</summary>
public sealed class GetRecordsResponse
{
    public List<KinesisRecord> Records { get; init; } = [];

    public string? NextShardIterator { get; init; }

    public long? MillisBehindLatest { get; init; }

    public List<ChildShard>? ChildShards { get; init; }
}

/// <summary>Record (named KinesisRecord here).</summary>
public sealed class KinesisRecord
{
    public required string SequenceNumber { get; init; }

    [JsonConverter(typeof(EpochSecondsJsonConverter))]
    public DateTimeOffset? ApproximateArrivalTimestamp { get; init; }

    public required ReadOnlyMemory<byte> Data { get; init; }

    public required string PartitionKey { get; init; }

    public string? EncryptionType { get; init; }
}

/// <summary>ChildShard (after a reshard).</summary>
public sealed class ChildShard
{
    public required string ShardId { get; init; }

    public List<string> ParentShards { get; init; } = [];

    public HashKeyRange? HashKeyRange { get; init; }
}

/// <summary>The model's <c>timestamp</c> on the JSON protocol: epoch seconds as a number, possibly fractional.</summary>
public sealed class EpochSecondsJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var seconds = reader.GetDecimal();
        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue((decimal)(value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond);
}

/// <summary>Source-generated serialisation of the Kinesis wire types.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateStreamRequest))]
[JsonSerializable(typeof(DeleteStreamRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryResponse))]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(ListShardsResponse))]
[JsonSerializable(typeof(PutRecordsRequest))]
[JsonSerializable(typeof(PutRecordsResponse))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(GetRecordsRequest))]
[JsonSerializable(typeof(GetRecordsResponse))]
internal sealed partial class KinesisJsonContext : JsonSerializerContext;
