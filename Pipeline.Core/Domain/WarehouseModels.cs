namespace Pipeline.Core.Domain;

public sealed record CategoryMetric(
    string Category, long ProductCount, decimal AvgPrice, decimal MinPrice, decimal MaxPrice, decimal? AvgRating, long TotalStock);

public sealed record CheapProduct(string Id, string Title, string Category, decimal Price);

public sealed record PriceChange(
    string Id, string Title, string Category, decimal OldPrice, decimal NewPrice, decimal ChangePct, DateTimeOffset ObservedAt);

public sealed record PricePoint(decimal Price, DateTimeOffset ObservedAt, string RunId);

/// <summary>A warehouse refresh: loads current products and price observations, idempotently.</summary>
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
}

public sealed record WarehouseLoadResult(long ProductsLoaded, long ObservationsLoaded);
