namespace Pipeline.Core.Ports;

/// <summary>Where stream consumers keep their position per shard; the embedded and DynamoDB run stores serve it.</summary>
public interface ICheckpointStore
{
    Task<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken ct);
    Task SetCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken ct);
}
