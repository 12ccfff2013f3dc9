using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Api;

public static class ProductEndpoints
{
    public static RouteGroupBuilder MapProductEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/products").WithTags("Products");
        group.MapGet("/", QueryAsync);
        group.MapGet("/categories", CategoriesAsync);
        group.MapGet("/{id}", GetAsync);
        return api;
    }

    private static async Task<IResult> QueryAsync(
        string? source, string? category, string? q, string? sort, string? limit, string? pageToken, IProductStore store, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 50, 200, out var n, out var error)) return error!;
        ProductSort order;
        switch (sort)
        {
            case null or "" or "title": order = ProductSort.Title; break;
            case "price": order = ProductSort.PriceAscending; break;
            case "-price": order = ProductSort.PriceDescending; break;
            default: return ApiValidation.Invalid("sort", "'sort' must be one of: price, -price, title.");
        }
        if (q is { Length: > 200 }) return ApiValidation.Invalid("q", "'q' must be at most 200 characters.");
        if (source is { Length: > 64 }) return ApiValidation.Invalid("source", "'source' is too long.");
        if (category is { Length: > 128 }) return ApiValidation.Invalid("category", "'category' is too long.");
        if (pageToken is { Length: > 2048 }) return ApiValidation.Invalid("pageToken", "'pageToken' is not valid.");
        try
        {
            var page = await store.QueryAsync(new ProductQuery
            {
                Source = string.IsNullOrWhiteSpace(source) ? null : source,
                Category = string.IsNullOrWhiteSpace(category) ? null : category,
                Search = string.IsNullOrWhiteSpace(q) ? null : q,
                Sort = order,
                Limit = n,
                PageToken = string.IsNullOrWhiteSpace(pageToken) ? null : pageToken,
            }, ct);
            return Results.Ok(new ProductPageResponse(page.Items.Select(ProductSummaryDto.From).ToList(), page.NextPageToken, page.PreviousPageToken));
        }
        catch (FormatException ex)
        {
            return ApiValidation.Invalid("pageToken", ex.Message);
        }
    }

    private static async Task<IResult> CategoriesAsync(string? source, IProductStore store, CancellationToken ct) =>
        Results.Ok(new ItemsResponse<string>(await store.ListCategoriesAsync(string.IsNullOrWhiteSpace(source) ? null : source, ct)));

    private static async Task<IResult> GetAsync(string id, IProductStore store, CancellationToken ct)
    {
        if (!ProductId.TryParse(id, out _, out _) || id.Length > 256) return ApiValidation.NotFound("Product", id);
        var product = await store.GetAsync(id, ct);
        if (product is null) return ApiValidation.NotFound("Product", id);
        var history = await store.GetPriceHistoryAsync(id, ct);
        return Results.Ok(ProductDetailDto.From(product, history));
    }
}
