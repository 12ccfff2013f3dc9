namespace Pipeline.Core.Ports;

public interface IShardReader
{
    string ShardId { get; }

    /// <summary>Reads the next batch (possibly empty). Handles iterator expiry internally.</summary>
    Task<ShardReadResult> ReadAsync(int maxRecords, CancellationToken ct);

    /// <summary>Re-positions the reader after the given sequence number (used to retry a failed record).</summary>
    void Rewind(string? afterSequenceNumber);
}
