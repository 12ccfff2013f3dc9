using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

public enum ProductSort
{
    Title,
    PriceAscending,
    PriceDescending,
}

public sealed record ProductQuery
{
    public string? Source { get; init; }
    public string? Category { get; init; }
    public string? Search { get; init; }
    public ProductSort Sort { get; init; } = ProductSort.Title;
    public int Limit { get; init; } = 50;
    public string? PageToken { get; init; }
}

public sealed record ProductPage(IReadOnlyList<Product> Items, string? NextPageToken, string? PreviousPageToken = null);

public sealed record UpsertOutcome(int Upserted, int Unchanged, int PriceChanges);

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

    Task<long> CountAsync(string? source, CancellationToken ct);

    /// <summary>
    /// How many products and price observations the store holds for each source (a source with none is left out): the
    /// store side of the warehouse refresh's reconciliation.
    /// </summary>
    Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct);
}

/// <summary>
/// A store that loads a large batch of products faster with some secondary indexes built once at the end (SQLite: a
/// random insert or move in each sort index per product, against one sort per index). Optional: the stages ask for it
/// when a run plans many products; the store decides from what it holds whether, and which indexes, to defer.
/// </summary>
public interface IBulkLoadTarget
{
    /// <summary>Starts a bulk load when <paramref name="expectedProducts"/> is large enough against what the store holds; true when started.</summary>
    Task<bool> BeginBulkLoadAsync(long expectedProducts, CancellationToken ct);

    /// <summary>Ends a bulk load (builds what it deferred); does nothing when none is under way.</summary>
    Task EndBulkLoadAsync(CancellationToken ct);
}

/// <summary>
/// A store that numbers its writes, so that a consumer (the warehouse refresh) reads only what changed since the
/// position it loaded last. Positions grow with each write that changes content; 0 means "before everything".
/// </summary>
public interface IProductChangeFeed
{
    /// <summary>The position of the newest committed change.</summary>
    Task<long> CurrentPositionAsync(CancellationToken ct);

    /// <summary>The position <paramref name="consumer"/> loaded last, or null when it never loaded.</summary>
    Task<long?> GetConsumerPositionAsync(string consumer, CancellationToken ct);

    Task SetConsumerPositionAsync(string consumer, long position, CancellationToken ct);

    /// <summary>
    /// Products whose content changed after <paramref name="after"/>, up to and including <paramref name="upTo"/>, with
    /// the fields a warehouse loads (id, source, title, category, brand, price, rating, stock, availability, content hash,
    /// last changed); a store may leave the others (description, discount, tags, SKU, thumbnail, sightings) empty.
    /// </summary>
    IAsyncEnumerable<Product> ScanChangedAsync(long after, long upTo, CancellationToken ct);

    /// <summary>Price observations added after <paramref name="after"/>, up to and including <paramref name="upTo"/>.</summary>
    IAsyncEnumerable<PriceObservation> ScanObservationsAddedAsync(long after, long upTo, CancellationToken ct);

    /// <summary>
    /// How many products and price observations the store held for each source at <paramref name="position"/>: products
    /// first written at or before it, observations added at or before it. What a refresh that loaded up to that position
    /// must find in the warehouse.
    /// </summary>
    Task<IReadOnlyList<SourceCounts>> CountsAtAsync(long position, CancellationToken ct);
}
