namespace Pipeline.Core.Domain;

public sealed record CategoryMetric(
    string Category, long ProductCount, decimal AvgPrice, decimal MinPrice, decimal MaxPrice, decimal? AvgRating, long TotalStock);

public sealed record CheapProduct(string Id, string Title, string Category, decimal Price);

public sealed record PriceChange(
    string Id, string Title, string Category, decimal OldPrice, decimal NewPrice, decimal ChangePct, DateTimeOffset ObservedAt);

public sealed record PricePoint(decimal Price, DateTimeOffset ObservedAt, string RunId);

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

/// <summary>One attempt of a refresh: when it ran, how it ended (running, succeeded or failed), and why it failed.</summary>
public sealed record RefreshAttempt(int Attempt, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Status, string? Error)
{
    public long ProductsLoaded { get; init; }
    public long ObservationsLoaded { get; init; }

    /// <summary>Whether this attempt loaded everything the store holds instead of what changed since the last refresh.</summary>
    public bool FullReload { get; init; }
}

/// <summary>The store's and the warehouse's counts for one source, and whether they agree.</summary>
public sealed record ReconciliationItem(
    string Source, long StoreProducts, long WarehouseProducts, long StoreObservations, long WarehouseObservations, bool Matches);

/// <summary>A comparison of the store's counts with the warehouse's, per source.</summary>
public sealed record Reconciliation(DateTimeOffset AsOf, IReadOnlyList<ReconciliationItem> Items)
{
    public bool Matches => Items.All(i => i.Matches);

    /// <summary>
    /// Pairs the counts by source. <paramref name="storeAfter"/>, when given, is the store's count taken after the
    /// warehouse's (a store without a change feed cannot be read at one point): the warehouse then matches when it lies
    /// between the two. Without it, the counts must be equal.
    /// </summary>
    public static Reconciliation Compare(
        DateTimeOffset asOf, IReadOnlyList<SourceCounts> store, IReadOnlyList<SourceCounts> warehouse, IReadOnlyList<SourceCounts>? storeAfter = null)
    {
        var before = store.ToDictionary(c => c.Source, StringComparer.Ordinal);
        var inWarehouse = warehouse.ToDictionary(c => c.Source, StringComparer.Ordinal);
        var after = (storeAfter ?? store).ToDictionary(c => c.Source, StringComparer.Ordinal);
        var items = before.Keys.Union(inWarehouse.Keys).Union(after.Keys).Order(StringComparer.Ordinal).Select(source =>
        {
            var s = before.GetValueOrDefault(source) ?? new SourceCounts(source, 0, 0);
            var w = inWarehouse.GetValueOrDefault(source) ?? new SourceCounts(source, 0, 0);
            var a = after.GetValueOrDefault(source) ?? new SourceCounts(source, 0, 0);
            var matches = w.Products >= s.Products && w.Products <= Math.Max(s.Products, a.Products)
                          && w.Observations >= s.Observations && w.Observations <= Math.Max(s.Observations, a.Observations);
            return new ReconciliationItem(source, s.Products, w.Products, s.Observations, w.Observations, matches);
        }).ToList();
        return new Reconciliation(asOf, items);
    }

    /// <summary>The mismatches in words, e.g. for a failed refresh's error.</summary>
    public string Describe() => string.Join("; ", Items.Where(i => !i.Matches).Select(i =>
        $"{i.Source}: store {i.StoreProducts} products / {i.StoreObservations} observations, warehouse {i.WarehouseProducts} / {i.WarehouseObservations}"));
}

public sealed record WarehouseLoadResult(long ProductsLoaded, long ObservationsLoaded);

/// <summary>How many products and price observations one source has in a store or a warehouse.</summary>
public sealed record SourceCounts(string Source, long Products, long Observations);
