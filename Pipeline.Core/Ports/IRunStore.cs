using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// Run records: a run's status, counters and errors. Creating, finishing and ending a run also take and release the
/// source's active-run lock, in the same write as the status change, so the lock is part of this role. An adapter
/// usually serves <see cref="IIdempotencyMarkers"/>, <see cref="IRefreshStore"/> and <see cref="ICheckpointStore"/> from the
/// same table or file; callers ask for the role they need.
/// </summary>
public interface IRunStore
{
    string ProviderName { get; }

    Task EnsureCreatedAsync(CancellationToken ct);

    /// <summary>Creates the run unless an active run for the same source exists; then returns that one and false.</summary>
    Task<(IngestionRun Run, bool Created)> TryCreateRunAsync(IngestionRun run, CancellationToken ct);

    Task<IngestionRun?> GetRunAsync(string runId, CancellationToken ct);

    Task<IReadOnlyList<IngestionRun>> ListRunsAsync(int limit, CancellationToken ct);

    /// <summary>Runs newest first, filtered by source, status and trigger, a page at a time.</summary>
    Task<RunPage> QueryRunsAsync(RunQuery query, CancellationToken ct);

    /// <summary>
    /// Adds to the run's counters; a page's fetch or transform counters also move that stage's timeline (first and last
    /// time a page was counted).
    /// </summary>
    Task IncrementAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct);

    Task SetStatusAsync(string runId, RunStatus status, CancellationToken ct);

    /// <summary>Records that every task was published, and when (the plan's end on the timeline).</summary>
    Task MarkPlanningCompleteAsync(string runId, CancellationToken ct);

    Task AddErrorAsync(string runId, string error, CancellationToken ct);

    /// <summary>
    /// Moves a running run whose counters have settled to its terminal status (succeeded, or partiallySucceeded when
    /// pages failed or records were rejected). Atomic: only one caller wins. Returns the finished run or null.
    /// </summary>
    Task<IngestionRun?> TryFinishAsync(string runId, DateTimeOffset now, CancellationToken ct);

    /// <summary>Ends a non-terminal run with the given status (failed or cancelled); false if it was already finished.</summary>
    Task<bool> EndAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct);
}
