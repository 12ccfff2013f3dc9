namespace Pipeline.Core.Ports;

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
