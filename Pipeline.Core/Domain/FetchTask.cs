namespace Pipeline.Core.Domain;

/// <summary>One catalog page to fetch. Published to the stream, one record per page.</summary>
public sealed record FetchTask
{
    public required string RunId { get; init; }
    public required string Source { get; init; }
    public required int Page { get; init; }
    public required int Skip { get; init; }
    public required int Limit { get; init; }
    /// <summary>Run date (UTC) used in the raw key, fixed at planning so a re-delivery writes the same key.</summary>
    public required DateOnly RunDate { get; init; }
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    public string RawKey => RawKeys.Page(Source, RunDate, RunId, Page);
    public string PartitionKey => $"{RunId}/{Page}";
}
