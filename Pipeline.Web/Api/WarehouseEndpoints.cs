using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Web.Api;

public static class WarehouseEndpoints
{
    public static RouteGroupBuilder MapWarehouseEndpoints(this RouteGroupBuilder api)
    {
        var warehouse = api.MapGroup("/warehouse").WithTags("Warehouse");
        warehouse.MapPost("/refresh", RefreshAsync);
        warehouse.MapGet("/refreshes", ListAsync);
        warehouse.MapGet("/refreshes/{refreshId}", GetAsync);
        warehouse.MapGet("/reconciliation", ReconciliationAsync);

        var metrics = api.MapGroup("/metrics").WithTags("Metrics");
        metrics.MapGet("/top-categories", TopCategoriesAsync);
        metrics.MapGet("/cheapest-products", CheapestAsync);
        metrics.MapGet("/price-changes", PriceChangesAsync);
        metrics.MapGet("/price-changes/summary", PriceChangeSummaryAsync);
        metrics.MapGet("/price-moves", PriceMovesAsync);
        return api;
    }

    private static async Task<IResult> RefreshAsync(IPipelineCommands commands, CancellationToken ct)
    {
        var refresh = await commands.StartRefreshAsync("api", ct);
        return Results.Accepted($"/api/warehouse/refreshes/{refresh.RefreshId}", new RefreshCreatedResponse(refresh.RefreshId, refresh.Status.ToWire()));
    }

    private static async Task<IResult> ListAsync(string? limit, IRefreshStore refreshes, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 20, 200, out var n, out var error)) return error!;
        return Results.Ok(new ItemsResponse<RefreshDto>((await refreshes.ListRefreshesAsync(n, ct)).Select(RefreshDto.From).ToList()));
    }

    private static async Task<IResult> GetAsync(string refreshId, IRefreshStore refreshes, CancellationToken ct)
    {
        if (!RunIds.IsValid(refreshId)) return ApiValidation.NotFound("Refresh", refreshId);
        var refresh = await refreshes.GetRefreshAsync(refreshId, ct);
        return refresh is null ? ApiValidation.NotFound("Refresh", refreshId) : Results.Ok(RefreshDto.From(refresh));
    }

    /// <summary>The store's counts against the warehouse's, per source (see <see cref="WarehouseRefresher.ReconcileAsync"/>).</summary>
    private static async Task<IResult> ReconciliationAsync(WarehouseRefresher refresher, CancellationToken ct) =>
        Results.Ok(ReconciliationResponse.From(await refresher.ReconcileAsync(ct)));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static async Task<IResult> TopCategoriesAsync(string? source, string? limit, IWarehouse warehouse, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 10, 100, out var n, out var error)) return error!;
        return Results.Ok(new ItemsResponse<CategoryMetric>(await warehouse.TopCategoriesAsync(Blank(source), n, ct)));
    }

    private static async Task<IResult> CheapestAsync(string? source, string? category, string? limit, IWarehouse warehouse, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 10, 100, out var n, out var error)) return error!;
        return Results.Ok(new ItemsResponse<CheapProduct>(await warehouse.CheapestProductsAsync(Blank(source), Blank(category), n, ct)));
    }

    private static async Task<IResult> PriceChangesAsync(string? source, string? limit, IWarehouse warehouse, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 20, 500, out var n, out var error)) return error!;
        return Results.Ok(new ItemsResponse<PriceChange>(await warehouse.PriceChangesAsync(Blank(source), n, ct)));
    }

    /// <summary>The longest window the metrics look back: <see cref="PriceChangeWindow.MaxLength"/> (366 days).</summary>
    private static readonly int MaxHours = (int)PriceChangeWindow.MaxLength.TotalHours;

    /// <summary>
    /// Drops and rises counted over every change of the last <c>hours</c> (default 24 × 7) up to now, per <c>bucket</c>
    /// (<c>hour</c> or <c>day</c>; by default hourly up to 48 hours, daily beyond): <c>{drops, rises, buckets: [{start,
    /// drops, rises}]}</c>, every bucket of the window oldest first (see <see cref="PriceChangeWindow"/>).
    /// </summary>
    /// <summary>The longest window counted by the hour: 744 buckets; longer windows go by the day.</summary>
    private const int MaxHourlyHours = 24 * 31;

    private static async Task<IResult> PriceChangeSummaryAsync(string? source, string? hours, string? bucket, IWarehouse warehouse, CancellationToken ct)
    {
        if (!ApiValidation.TryHours(hours, (int)PriceChangeWindow.DefaultLength.TotalHours, MaxHours, out var n, out var error)) return error!;
        var window = TimeSpan.FromHours(n);
        PriceChangeBucket? size = bucket switch
        {
            null or "" => PriceChangeWindow.DefaultBucket(window),
            "hour" => PriceChangeBucket.Hour,
            "day" => PriceChangeBucket.Day,
            _ => null,
        };
        if (size is not { } width) return ApiValidation.Invalid("bucket", "'bucket' must be hour or day.");
        if (width == PriceChangeBucket.Hour && n > MaxHourlyHours)
            return ApiValidation.Invalid("bucket", $"Hourly buckets cover at most {MaxHourlyHours} hours (31 days); use bucket=day for longer windows.");
        return Results.Ok(await warehouse.PriceChangeSummaryAsync(Blank(source), window, width, ct));
    }

    /// <summary>Biggest drops or rises over the last <c>hours</c> (default 24 × 7).</summary>
    private static async Task<IResult> PriceMovesAsync(
        string? source, string? direction, string? hours, string? limit, IWarehouse warehouse, TimeProvider clock, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 10, 100, out var n, out var error)) return error!;
        if (direction is not (null or "drops" or "rises")) return ApiValidation.Invalid("direction", "'direction' must be drops or rises.");
        if (!ApiValidation.TryHours(hours, 24 * 7, MaxHours, out var window, out error)) return error!;
        var since = clock.GetUtcNow().AddHours(-window);
        return Results.Ok(new ItemsResponse<PriceChange>(await warehouse.BiggestMovesAsync(Blank(source), since, direction != "rises", n, ct)));
    }
}
