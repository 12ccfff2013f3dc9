namespace Pipeline.Core.Ports;

public sealed record ShardReadResult(IReadOnlyList<ReceivedRecord> Records, long? MillisBehindLatest, bool ShardClosed);
