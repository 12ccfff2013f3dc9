namespace Pipeline.Core.Domain;

/// <summary>
/// A warehouse refresh: loads current products and price observations, idempotently, then reconciles the warehouse's
/// counts with the store's. A failed attempt is retried (bounded, with backoff); each attempt is kept.
/// </summary>
public sealed record WarehouseRefresh
{
    public required string RefreshId { get; init; }
    public RunStatus Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public long ProductsLoaded { get; init; }
    public long ObservationsLoaded { get; init; }
    public string? Error { get; init; }
    public string Trigger { get; init; } = "api";

    /// <summary>Every attempt so far, oldest first (the last is the one running or the one that ended the refresh).</summary>
    public IReadOnlyList<RefreshAttempt> Attempts { get; init; } = [];

    /// <summary>When the next attempt starts, while a failed attempt waits for its retry; null otherwise.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Equal when every field is, the attempts compared one by one (a record compares a list by reference).</summary>
    public bool Equals(WarehouseRefresh? other) =>
        other is not null && RefreshId == other.RefreshId && Status == other.Status && CreatedAt == other.CreatedAt &&
        StartedAt == other.StartedAt && FinishedAt == other.FinishedAt && ProductsLoaded == other.ProductsLoaded &&
        ObservationsLoaded == other.ObservationsLoaded && Error == other.Error && Trigger == other.Trigger &&
        NextAttemptAt == other.NextAttemptAt && Attempts.SequenceEqual(other.Attempts);

    public override int GetHashCode() => HashCode.Combine(RefreshId, Status, CreatedAt, FinishedAt, Attempts.Count);
}
