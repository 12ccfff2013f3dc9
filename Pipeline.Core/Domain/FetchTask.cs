using System.Text.Json.Serialization;

namespace Pipeline.Core.Domain;

/// <summary>One catalog page to fetch, or (a replay's task) one raw page to apply again. Published to the stream, one record per page.</summary>
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

    /// <summary>The W3C traceparent of the run's plan span, so the fetch continues the run's trace; absent when nothing traces.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }

    /// <summary>
    /// A replay's task: the raw page to read and transform again (no HTTP call). Null for a page to fetch. The page
    /// belongs to the run that fetched it (in the key); <see cref="RunId"/> is the replay's run, which counts it.
    /// </summary>
    public string? ReplayKey { get; init; }

    public string RawKey => ReplayKey ?? RawKeys.Page(Source, RunDate, RunId, Page);
    /// <summary>Spreads the pages over the shards; a replay's task by the page's own run and number (within the 256 characters a key may have).</summary>
    public string PartitionKey => ReplayKey is not null && RawKeys.TryParse(ReplayKey, out _, out _, out var fetchedBy, out var page)
        ? $"{RunId}/{fetchedBy}/{page}"
        : $"{RunId}/{Page}";
}
