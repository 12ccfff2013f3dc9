namespace Pipeline.Core.Domain;

/// <summary>One ingestion run: what was asked, where it stands, and what each stage counted.</summary>
public sealed record IngestionRun
{
    public required string RunId { get; init; }
    public required string Source { get; init; }
    public RunStatus Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public bool PlanningComplete { get; init; }
    public StageCounters Stages { get; init; } = StageCounters.Zero;
    public IReadOnlyList<string> Errors { get; init; } = [];
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
    public string Trigger { get; init; } = "api";

    /// <summary>The run this one re-runs or retries (trigger <c>rerun</c> or <c>retry</c>).</summary>
    public string? ParentRunId { get; init; }

    /// <summary>The only pages of the plan to fetch (a retry's failed pages); null for the whole plan.</summary>
    public IReadOnlyList<int>? OnlyPages { get; init; }

    /// <summary>When planning and publishing ended (it starts at <see cref="StartedAt"/>).</summary>
    public DateTimeOffset? PlanFinishedAt { get; init; }

    /// <summary>When the first page was counted by the fetch stage, and the last so far.</summary>
    public DateTimeOffset? FetchStartedAt { get; init; }

    public DateTimeOffset? FetchFinishedAt { get; init; }

    /// <summary>When the first page was counted by the transform stage, and the last so far.</summary>
    public DateTimeOffset? TransformStartedAt { get; init; }

    public DateTimeOffset? TransformFinishedAt { get; init; }
}
