using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>The analytics warehouse: one schema and one set of metric definitions; DuckDB or BigQuery.</summary>
public interface IWarehouse
{
    string ProviderName { get; }

    Task EnsureSchemaAsync(CancellationToken ct);

    /// <summary>
    /// Loads the current products and the price observations. Idempotent: keyed by product id and by
    /// (product id, run id), so a repeated or retried load adds nothing. Returns the products merged and the
    /// observations newly inserted (0 on a repeat).
    /// </summary>
    Task<WarehouseLoadResult> LoadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct);

    Task<IReadOnlyList<CategoryMetric>> TopCategoriesAsync(string? source, int limit, CancellationToken ct);

    Task<IReadOnlyList<CheapProduct>> CheapestProductsAsync(string? source, string? category, int limit, CancellationToken ct);

    /// <summary>Every price change (old → new) newest first.</summary>
    Task<IReadOnlyList<PriceChange>> PriceChangesAsync(string? source, int limit, CancellationToken ct);

    /// <summary>Biggest moves in a period: drops (most negative change first) or rises (largest first).</summary>
    Task<IReadOnlyList<PriceChange>> BiggestMovesAsync(string? source, DateTimeOffset since, bool drops, int limit, CancellationToken ct);

    /// <summary>
    /// How many prices dropped (new price below the old) and rose (above) in the last <paramref name="window"/> up to the
    /// adapter's clock, counted over every change in the window (not a top-N), per <paramref name="bucket"/>: every bucket
    /// of <see cref="PriceChangeWindow.Ending"/> present, oldest first, zero when nothing changed in it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is zero or less, or longer than <see cref="PriceChangeWindow.MaxLength"/>.</exception>
    Task<PriceChangeSummary> PriceChangeSummaryAsync(string? source, TimeSpan window, PriceChangeBucket bucket, CancellationToken ct);

    Task<IReadOnlyList<PricePoint>> PriceHistoryAsync(string productId, CancellationToken ct);

    /// <summary>
    /// How many products and price observations the warehouse holds for each source (a source with none is left out):
    /// the warehouse side of the refresh's reconciliation.
    /// </summary>
    Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct);

    /// <summary>
    /// Per source (a source with no rows is left out): rows, ids held by more than one row, null or negative prices, and
    /// rows without a title or category. What the <c>unique-ids</c>, <c>valid-prices</c> and <c>required-fields</c> checks read.
    /// </summary>
    Task<IReadOnlyList<WarehouseQuality>> QualityAsync(CancellationToken ct);

    /// <summary>
    /// Throws unless the warehouse can be reached: cheap, whatever the size of the data, and never a billed query (the
    /// health check calls it every few seconds).
    /// </summary>
    Task PingAsync(CancellationToken ct);

    /// <summary>When the warehouse was last loaded, or null when it never was.</summary>
    Task<DateTimeOffset?> AsOfAsync(CancellationToken ct);
}
