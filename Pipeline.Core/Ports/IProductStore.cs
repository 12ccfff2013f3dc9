using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>Current product state, price history and quarantine. SQLite or DynamoDB.</summary>
public interface IProductStore
{
    string ProviderName { get; }

    Task EnsureCreatedAsync(CancellationToken ct);

    /// <summary>
    /// Idempotent upsert keyed by (source, sourceId), compared by content hash. Appends a price observation for a new
    /// product and whenever the price changed; a repeated call with the same products changes nothing.
    /// </summary>
    Task<UpsertOutcome> UpsertAsync(IReadOnlyList<Product> products, string runId, DateTimeOffset observedAt, CancellationToken ct);

    Task<Product?> GetAsync(string id, CancellationToken ct);

    Task<IReadOnlyList<PricePoint>> GetPriceHistoryAsync(string id, CancellationToken ct);

    Task<ProductPage> QueryAsync(ProductQuery query, CancellationToken ct);

    Task<IReadOnlyList<string>> ListCategoriesAsync(string? source, CancellationToken ct);

    /// <summary>Every current product, streamed (for the warehouse refresh).</summary>
    IAsyncEnumerable<Product> ScanAsync(CancellationToken ct);

    /// <summary>Every price observation, streamed (for the warehouse refresh).</summary>
    IAsyncEnumerable<PriceObservation> ScanPriceObservationsAsync(CancellationToken ct);

    Task AddRejectionsAsync(IReadOnlyList<Rejection> rejections, CancellationToken ct);

    Task<IReadOnlyList<Rejection>> ListRejectionsAsync(string? runId, int limit, CancellationToken ct);

    /// <summary>
    /// The raw keys of the run's pages rejected as a whole (fetch failed, or the bytes were not a page): what a retry
    /// fetches again. Written before the page's idempotency marker, so a page counted as failed is always listed.
    /// </summary>
    Task<IReadOnlyList<string>> ListRejectedPagesAsync(string runId, CancellationToken ct);

    Task<long> CountAsync(string? source, CancellationToken ct);

    /// <summary>
    /// How many products and price observations the store holds for each source (a source with none is left out): the
    /// store side of the warehouse refresh's reconciliation.
    /// </summary>
    Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct);
}
