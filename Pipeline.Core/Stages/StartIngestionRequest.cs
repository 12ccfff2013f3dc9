namespace Pipeline.Core.Stages;

/// <summary>
/// A request to ingest one source. A re-run or retry names the run it comes from; a retry also the pages to fetch.
/// </summary>
public sealed record StartIngestionRequest(string Source, IReadOnlyDictionary<string, string>? Options, string Trigger = "api")
{
    public string? ParentRunId { get; init; }

    public IReadOnlyList<int>? OnlyPages { get; init; }
}
