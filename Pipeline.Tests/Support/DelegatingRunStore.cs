using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Support;

/// <summary>A run store that forwards every call to another: tests override the calls they watch or break.</summary>
public abstract class DelegatingRunStore(IRunStore inner) : IRunStore
{
    public string ProviderName => inner.ProviderName;
    public Task EnsureCreatedAsync(CancellationToken ct) => inner.EnsureCreatedAsync(ct);
    public Task<(IngestionRun Run, bool Created)> TryCreateRunAsync(IngestionRun run, CancellationToken ct) => inner.TryCreateRunAsync(run, ct);
    public Task<IngestionRun?> GetRunAsync(string runId, CancellationToken ct) => inner.GetRunAsync(runId, ct);
    public Task<IReadOnlyList<IngestionRun>> ListRunsAsync(int limit, CancellationToken ct) => inner.ListRunsAsync(limit, ct);
    public Task<bool> ApplyOnceAsync(string runId, string idempotencyKey, IReadOnlyList<CounterDelta> deltas, CancellationToken ct) =>
        inner.ApplyOnceAsync(runId, idempotencyKey, deltas, ct);
    public Task<bool> WasAppliedAsync(string runId, string idempotencyKey, CancellationToken ct) => inner.WasAppliedAsync(runId, idempotencyKey, ct);
    public Task IncrementAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct) => inner.IncrementAsync(runId, deltas, ct);
    public Task SetStatusAsync(string runId, RunStatus status, CancellationToken ct) => inner.SetStatusAsync(runId, status, ct);
    public Task MarkPlanningCompleteAsync(string runId, CancellationToken ct) => inner.MarkPlanningCompleteAsync(runId, ct);
    public Task AddErrorAsync(string runId, string error, CancellationToken ct) => inner.AddErrorAsync(runId, error, ct);
    public Task<IngestionRun?> TryFinishAsync(string runId, DateTimeOffset now, CancellationToken ct) => inner.TryFinishAsync(runId, now, ct);
    public Task<bool> EndAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct) =>
        inner.EndAsync(runId, status, error, now, ct);
    public virtual Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct) => inner.CreateRefreshAsync(refresh, ct);
    public virtual Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct) => inner.UpdateRefreshAsync(refresh, ct);
    public Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct) => inner.GetRefreshAsync(refreshId, ct);
    public Task<IReadOnlyList<WarehouseRefresh>> ListRefreshesAsync(int limit, CancellationToken ct) => inner.ListRefreshesAsync(limit, ct);
    public Task<WarehouseRefresh?> GetLatestRefreshAsync(string trigger, CancellationToken ct) => inner.GetLatestRefreshAsync(trigger, ct);
    public Task<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken ct) => inner.GetCheckpointAsync(consumer, shardId, ct);
    public Task SetCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken ct) =>
        inner.SetCheckpointAsync(consumer, shardId, sequenceNumber, ct);
}
