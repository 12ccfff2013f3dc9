using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// Idempotency markers: a stage's effect on a run's counters, applied once per marker (<c>plan</c>, <c>fetch:&lt;page&gt;</c>,
/// <c>transform:&lt;page&gt;</c>), so a re-delivered task or object counts nothing twice.
/// </summary>
public interface IIdempotencyMarkers
{
    /// <summary>
    /// Applies the deltas once per <paramref name="idempotencyKey"/>: a repeated key (a re-delivered task or object)
    /// changes nothing and returns false.
    /// </summary>
    Task<bool> ApplyOnceAsync(string runId, string idempotencyKey, IReadOnlyList<CounterDelta> deltas, CancellationToken ct);

    /// <summary>True when the idempotency key was already applied.</summary>
    Task<bool> WasAppliedAsync(string runId, string idempotencyKey, CancellationToken ct);
}
