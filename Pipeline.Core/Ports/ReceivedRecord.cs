namespace Pipeline.Core.Ports;

/// <summary>A record read back from a shard.</summary>
public sealed record ReceivedRecord(
    string ShardId, string SequenceNumber, string PartitionKey, ReadOnlyMemory<byte> Data, DateTimeOffset ArrivalTime);
