using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Support;

/// <summary>A warehouse that forwards every call to another: tests override the calls they watch or break.</summary>
public abstract class DelegatingWarehouse(IWarehouse inner) : IWarehouse
{
    public string ProviderName => inner.ProviderName;
    public Task EnsureSchemaAsync(CancellationToken ct) => inner.EnsureSchemaAsync(ct);
    public virtual Task<WarehouseLoadResult> LoadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct) =>
        inner.LoadAsync(refreshId, products, observations, ct);
    public Task<IReadOnlyList<CategoryMetric>> TopCategoriesAsync(string? source, int limit, CancellationToken ct) => inner.TopCategoriesAsync(source, limit, ct);
    public Task<IReadOnlyList<CheapProduct>> CheapestProductsAsync(string? source, string? category, int limit, CancellationToken ct) =>
        inner.CheapestProductsAsync(source, category, limit, ct);
    public Task<IReadOnlyList<PriceChange>> PriceChangesAsync(string? source, int limit, CancellationToken ct) => inner.PriceChangesAsync(source, limit, ct);
    public Task<IReadOnlyList<PriceChange>> BiggestMovesAsync(string? source, DateTimeOffset since, bool drops, int limit, CancellationToken ct) =>
        inner.BiggestMovesAsync(source, since, drops, limit, ct);
    public virtual Task<PriceChangeSummary> PriceChangeSummaryAsync(string? source, TimeSpan window, PriceChangeBucket bucket, CancellationToken ct) =>
        inner.PriceChangeSummaryAsync(source, window, bucket, ct);
    public Task<IReadOnlyList<PricePoint>> PriceHistoryAsync(string productId, CancellationToken ct) => inner.PriceHistoryAsync(productId, ct);
    public Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct) => inner.CountsAsync(ct);
    public virtual Task<IReadOnlyList<WarehouseQuality>> QualityAsync(CancellationToken ct) => inner.QualityAsync(ct);
    public Task<DateTimeOffset?> AsOfAsync(CancellationToken ct) => inner.AsOfAsync(ct);
    public Task PingAsync(CancellationToken ct) => inner.PingAsync(ct);
}
