namespace Pipeline.Core.Ports;

/// <summary>A record to publish: partition key picks the shard; data is opaque bytes (≤ 1 MiB on Kinesis).</summary>
public readonly record struct StreamRecord(string PartitionKey, ReadOnlyMemory<byte> Data);

/// <summary>A record read back from a shard.</summary>
public sealed record ReceivedRecord(
    string ShardId, string SequenceNumber, string PartitionKey, ReadOnlyMemory<byte> Data, DateTimeOffset ArrivalTime);

public sealed record ShardReadResult(IReadOnlyList<ReceivedRecord> Records, long? MillisBehindLatest, bool ShardClosed);

/// <summary>
/// The stream port: publish tasks, and read shards from a checkpoint. Implementations: durable local log (SQLite)
/// and Kinesis Data Streams. Sequence numbers are decimal strings that order records within a shard.
/// </summary>
public interface IEventStream
{
    string ProviderName { get; }

    Task EnsureCreatedAsync(CancellationToken ct);

    /// <summary>Publishes all records or throws; partial failures are retried inside.</summary>
    Task PublishAsync(IReadOnlyList<StreamRecord> records, CancellationToken ct);

    Task<IReadOnlyList<string>> ListShardsAsync(CancellationToken ct);

    /// <summary>Opens a reader positioned after <paramref name="afterSequenceNumber"/> (or at the oldest record when null).</summary>
    IShardReader OpenShard(string shardId, string? afterSequenceNumber);
}

public interface IShardReader
{
    string ShardId { get; }

    /// <summary>Reads the next batch (possibly empty). Handles iterator expiry internally.</summary>
    Task<ShardReadResult> ReadAsync(int maxRecords, CancellationToken ct);

    /// <summary>Re-positions the reader after the given sequence number (used to retry a failed record).</summary>
    void Rewind(string? afterSequenceNumber);
}

/// <summary>Where stream consumers keep their position per shard; lives in the run/product store.</summary>
public interface ICheckpointStore
{
    Task<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken ct);
    Task SetCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken ct);
}
