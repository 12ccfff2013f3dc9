using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>Which events of a run to list: by level and stage, a page at a time (oldest first).</summary>
public sealed record RunEventQuery
{
    public RunEventLevel? Level { get; init; }
    public RunEventStage? Stage { get; init; }
    public int Limit { get; init; } = 100;

    /// <summary>The <see cref="RunEventPage.NextPageToken"/> of the previous page, as the store wrote it.</summary>
    public string? PageToken { get; init; }
}
