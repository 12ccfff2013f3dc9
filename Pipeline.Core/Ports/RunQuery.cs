using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>Which runs to list, newest first: by source, status and trigger, a page at a time.</summary>
public sealed record RunQuery
{
    public string? Source { get; init; }
    public RunStatus? Status { get; init; }
    /// <summary>A trigger, or a trigger's family: <c>schedule</c> also matches <c>schedule:&lt;id&gt;</c>.</summary>
    public string? Trigger { get; init; }
    public int Limit { get; init; } = 20;

    /// <summary>The <see cref="RunPage.NextPageToken"/> of the previous page, as the store wrote it.</summary>
    public string? PageToken { get; init; }
}
