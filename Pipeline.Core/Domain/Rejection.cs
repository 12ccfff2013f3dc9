namespace Pipeline.Core.Domain;

/// <summary>A record or page that could not be processed: kept with its reason and where its raw bytes live.</summary>
public sealed record Rejection
{
    public required string RunId { get; init; }
    public required string Source { get; init; }
    public required string RawKey { get; init; }
    /// <summary>Position of the record in the page (0-based), or null when the whole page was rejected.</summary>
    public int? RecordIndex { get; init; }
    public string? SourceId { get; init; }
    public required string Reason { get; init; }
    public DateTimeOffset RejectedAt { get; init; }
}
