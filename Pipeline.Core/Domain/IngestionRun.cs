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
}
