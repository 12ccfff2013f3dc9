namespace Pipeline.Core.Ports;

/// <summary>A record to publish: partition key picks the shard; data is opaque bytes (≤ 1 MiB on Kinesis).</summary>
public readonly record struct StreamRecord(string PartitionKey, ReadOnlyMemory<byte> Data);
