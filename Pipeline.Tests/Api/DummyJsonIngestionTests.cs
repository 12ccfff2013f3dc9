using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>
/// The whole pipeline through the real host: REST trigger → local stream → fetch from a server with DummyJSON's real
/// paging → raw zone → transform → SQLite → DuckDB, then the metrics API.
/// </summary>
public sealed class DummyJsonIngestionTests : IAsyncLifetime
{
    private FixtureCatalogServer _catalog = null!;
    private PipelineAppFactory _app = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _catalog = await FixtureCatalogServer.StartAsync();
        _app = new PipelineAppFactory(_catalog);
        _api = _app.CreateApiClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    private static JsonArray FixtureProducts() => (JsonArray)JsonNode.Parse(SharedFixtures.ReadBytes("dummyjson", "products.json"))!;

    [Fact]
    public async Task Ingests_all_194_products_with_reconciled_counts_and_correct_metrics()
    {
        var runId = await _api.StartRunAsync("dummyjson");
        var run = await _api.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run.Status);
        Assert.Empty(run.Errors);
        var s = run.Stages;
        Assert.Equal(7, s.TasksPublished); // ceil(194 / 30)
        Assert.Equal(s.TasksPublished, s.PagesFetched);
        Assert.Equal(s.PagesFetched, s.RawObjects);
        Assert.Equal(194, s.ProductsParsed);
        Assert.Equal(194, s.ProductsUpserted);
        Assert.Equal(s.ProductsParsed, s.ProductsUpserted + s.ProductsUnchanged + s.ProductsRejected);
        Assert.Equal(194, await _app.Service<IProductStore>().CountAsync("dummyjson", CancellationToken.None));

        // Expected metrics computed by hand from the fixture itself.
        var fixture = FixtureProducts();
        var expectedCounts = fixture.GroupBy(p => (string)p!["category"]!).ToDictionary(g => g.Key, g => g.Count());
        var top = (await _api.GetFromJsonAsync<ItemsResponse<CategoryMetric>>("/api/metrics/top-categories?source=dummyjson&limit=50", ApiCalls.Json))!.Items;
        Assert.Equal(24, top.Count);
        Assert.Equal("kitchen-accessories", top[0].Category);
        Assert.Equal(30, top[0].ProductCount);
        Assert.Equal("groceries", top[1].Category);
        Assert.All(top, c => Assert.Equal(expectedCounts[c.Category], c.ProductCount));
        var groceries = fixture.Where(p => (string)p!["category"]! == "groceries").Select(p => (decimal)p!["price"]!).ToList();
        var groceriesMetric = top.Single(c => c.Category == "groceries");
        Assert.Equal(Math.Round(groceries.Average(), 2), groceriesMetric.AvgPrice);
        Assert.Equal(groceries.Min(), groceriesMetric.MinPrice);
        Assert.Equal(groceries.Max(), groceriesMetric.MaxPrice);

        var cheapestExpected = fixture.OrderBy(p => (decimal)p!["price"]!).First()!;
        var cheapest = (await _api.GetFromJsonAsync<ItemsResponse<CheapProduct>>("/api/metrics/cheapest-products?limit=3", ApiCalls.Json))!.Items;
        Assert.Equal($"dummyjson:{(int)cheapestExpected["id"]!}", cheapest[0].Id);
        Assert.Equal(0.79m, cheapest[0].Price);
        Assert.Equal((string)cheapestExpected["title"]!, cheapest[0].Title);
    }

    [Fact]
    public async Task Raw_pages_keep_the_served_bytes_verbatim_with_metadata()
    {
        var runId = await _api.StartRunAsync("dummyjson");
        var run = await _api.WaitForRunAsync(runId, andRefresh: false);
        Assert.Equal("succeeded", run.Status);

        var rawZone = _app.Service<IRawZone>();
        var key = RawKeys.Page("dummyjson", DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), runId, 3);
        var stored = await rawZone.GetAsync(key, CancellationToken.None);
        Assert.NotNull(stored);
        using var http = new HttpClient();
        var served = await http.GetByteArrayAsync(new Uri(_catalog.DummyJsonBaseUrl + "/products?limit=30&skip=60"));
        Assert.Equal(served, stored.Bytes.ToArray());
        Assert.Equal(runId, stored.Metadata.RunId);
        Assert.EndsWith("/products?limit=30&skip=60", stored.Metadata.SourceUrl);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(served)), stored.Metadata.Sha256);
    }

    [Fact]
    public async Task Running_the_same_ingestion_twice_changes_nothing_but_the_run_history()
    {
        var first = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));
        var productsBefore = await _api.GetStringAsync("/api/products?source=dummyjson&limit=200&sort=price");
        var detailBefore = await _api.GetStringAsync("/api/products/dummyjson:1");

        var second = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));

        Assert.Equal("succeeded", second.Status);
        Assert.Equal(0, second.Stages.ProductsUpserted);
        Assert.Equal(194, second.Stages.ProductsUnchanged);
        Assert.Equal(0, second.Stages.PriceChanges);
        Assert.Equal(productsBefore, await _api.GetStringAsync("/api/products?source=dummyjson&limit=200&sort=price"));
        var before = JsonNode.Parse(detailBefore)!;
        var after = JsonNode.Parse(await _api.GetStringAsync("/api/products/dummyjson:1"))!;
        Assert.Equal(before["priceHistory"]!.ToJsonString(), after["priceHistory"]!.ToJsonString());
        Assert.Equal(before["lastChanged"]!.ToJsonString(), after["lastChanged"]!.ToJsonString());
        var runs = (await _api.GetFromJsonAsync<ItemsResponse<RunDto>>("/api/ingestions", ApiCalls.Json))!.Items;
        Assert.Equal([second.RunId, first.RunId], runs.Select(r => r.RunId));
        var changes = (await _api.GetFromJsonAsync<ItemsResponse<PriceChange>>("/api/metrics/price-changes", ApiCalls.Json))!.Items;
        Assert.Empty(changes);
    }

    [Fact]
    public async Task A_changed_price_is_recorded_once_in_history_and_metrics()
    {
        await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));
        var changed = FixtureProducts();
        changed[0]!["price"] = 7.49m; // was 9.99
        _catalog.DummyProducts = changed;

        var run = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));

        Assert.Equal(1, run.Stages.ProductsUpserted);
        Assert.Equal(193, run.Stages.ProductsUnchanged);
        Assert.Equal(1, run.Stages.PriceChanges);
        var detail = (await _api.GetFromJsonAsync<ProductDetailDto>("/api/products/dummyjson:1", ApiCalls.Json))!;
        Assert.Equal([9.99m, 7.49m], detail.PriceHistory.Select(p => p.Price));
        var change = Assert.Single((await _api.GetFromJsonAsync<ItemsResponse<PriceChange>>("/api/metrics/price-changes", ApiCalls.Json))!.Items);
        Assert.Equal("dummyjson:1", change.Id);
        Assert.Equal(9.99m, change.OldPrice);
        Assert.Equal(7.49m, change.NewPrice);
        Assert.Equal(-25.03m, change.ChangePct);
    }

    [Fact]
    public async Task Products_page_through_every_item_exactly_once_in_both_directions()
    {
        await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"), andRefresh: false);

        var seen = new List<ProductSummaryDto>();
        var pages = new List<ProductPageResponse>();
        string? token = null;
        do
        {
            var page = (await _api.GetFromJsonAsync<ProductPageResponse>($"/api/products?sort=price&limit=50&pageToken={token}", ApiCalls.Json))!;
            pages.Add(page);
            seen.AddRange(page.Items);
            token = page.NextPageToken;
        } while (token is not null);

        Assert.Equal(194, seen.Count);
        Assert.Equal(194, seen.Select(p => p.Id).Distinct().Count());
        Assert.Equal(seen.OrderBy(p => p.Price).ThenBy(p => p.Id, StringComparer.Ordinal).Select(p => p.Id), seen.Select(p => p.Id));
        var back = (await _api.GetFromJsonAsync<ProductPageResponse>($"/api/products?sort=price&limit=50&pageToken={pages[2].PreviousPageToken}", ApiCalls.Json))!;
        Assert.Equal(pages[1].Items.Select(p => p.Id), back.Items.Select(p => p.Id));
        Assert.Null(pages[0].PreviousPageToken);
    }

    [Fact]
    public async Task Filters_and_search_narrow_the_products()
    {
        await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"), andRefresh: false);

        var laptops = (await _api.GetFromJsonAsync<ProductPageResponse>("/api/products?category=laptops&sort=-price", ApiCalls.Json))!.Items;
        Assert.Equal(5, laptops.Count);
        Assert.Equal(laptops.OrderByDescending(p => p.Price).Select(p => p.Id), laptops.Select(p => p.Id));
        var search = (await _api.GetFromJsonAsync<ProductPageResponse>("/api/products?q=MASCARA", ApiCalls.Json))!.Items;
        Assert.Contains(search, p => p.Id == "dummyjson:1");
        Assert.All(search, p => Assert.Contains("mascara", p.Title, StringComparison.OrdinalIgnoreCase));
    }
}
