using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>Runs, their counters, idempotency markers, refreshes and stream checkpoints.</summary>
public interface IRunStore : ICheckpointStore
{
    string ProviderName { get; }

    Task EnsureCreatedAsync(CancellationToken ct);

    /// <summary>Creates the run unless an active run for the same source exists; then returns that one and false.</summary>
    Task<(IngestionRun Run, bool Created)> TryCreateRunAsync(IngestionRun run, CancellationToken ct);

    Task<IngestionRun?> GetRunAsync(string runId, CancellationToken ct);

    Task<IReadOnlyList<IngestionRun>> ListRunsAsync(int limit, CancellationToken ct);

    /// <summary>
    /// Applies the deltas once per <paramref name="idempotencyKey"/>: a repeated key (a re-delivered task or object)
    /// changes nothing and returns false.
    /// </summary>
    Task<bool> ApplyOnceAsync(string runId, string idempotencyKey, IReadOnlyList<CounterDelta> deltas, CancellationToken ct);

    /// <summary>True when the idempotency key was already applied.</summary>
    Task<bool> WasAppliedAsync(string runId, string idempotencyKey, CancellationToken ct);

    Task IncrementAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct);

    Task SetStatusAsync(string runId, RunStatus status, CancellationToken ct);

    Task MarkPlanningCompleteAsync(string runId, CancellationToken ct);

    Task AddErrorAsync(string runId, string error, CancellationToken ct);

    /// <summary>
    /// Moves a running run whose counters have settled to its terminal status (succeeded, or partiallySucceeded when
    /// pages failed or records were rejected). Atomic: only one caller wins. Returns the finished run or null.
    /// </summary>
    Task<IngestionRun?> TryFinishAsync(string runId, DateTimeOffset now, CancellationToken ct);

    /// <summary>Ends a non-terminal run with the given status (failed or cancelled); false if it was already finished.</summary>
    Task<bool> EndAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct);

    Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct);

    Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct);

    Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct);

    Task<IReadOnlyList<WarehouseRefresh>> ListRefreshesAsync(int limit, CancellationToken ct);

    /// <summary>The newest refresh started with <paramref name="trigger"/> (e.g. <c>run:&lt;runId&gt;</c>), or null.</summary>
    Task<WarehouseRefresh?> GetLatestRefreshAsync(string trigger, CancellationToken ct);
}
