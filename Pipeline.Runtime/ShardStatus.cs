namespace Pipeline.Runtime;

/// <summary>A shard consumer's position and lag, as the throughput page shows it.</summary>
public sealed record ShardStatus(string ShardId, string? Checkpoint, long MillisBehindLatest, DateTimeOffset UpdatedAt);
