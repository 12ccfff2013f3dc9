using System.Text;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// The BigQuery warehouse end to end against the fake server (DuckDB underneath runs the generated GoogleSQL):
/// the DummyJSON fixture loaded, then two more runs with changed prices; expectations computed by hand from the fixture.
/// Every request is checked against the discovery document.
/// </summary>
public sealed class BigQueryWarehouseTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T3 = new(2025, 5, 2, 6, 0, 0, TimeSpan.Zero);

    /// <summary>Run 2 changes four prices, run 3 one more (product id → new price).</summary>
    private static readonly Dictionary<string, decimal> Run2Prices = new()
    {
        ["dummyjson:1"] = 8.99m, ["dummyjson:2"] = 24.99m, ["dummyjson:6"] = 39.99m, ["dummyjson:31"] = 0.89m,
    };

    private static readonly Dictionary<string, decimal> Run3Prices = new() { ["dummyjson:1"] = 9.49m };

    private static readonly Lazy<IReadOnlyList<Product>> Fixture = new(() =>
    {
        var array = SharedFixtures.ReadText("dummyjson", "products.json");
        var page = Encoding.UTF8.GetBytes($"{{\"products\":{array},\"total\":194,\"skip\":0,\"limit\":194}}");
        var result = CatalogPageParser.Parse(page, CatalogFormat.DummyJson, new ParseContext("dummyjson", "run-1", "raw/fixture.json", T1));
        Assert.Null(result.PageError);
        Assert.Empty(result.Rejections);
        return result.Products;
    });

    private BigQueryTestHost _host = null!;

    private FakeBigQueryServer Server => _host.Server;

    public async Task InitializeAsync() => _host = await BigQueryTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();


    private static List<Product> ProductsAfter(params Dictionary<string, decimal>[] runs)
    {
        var products = Fixture.Value.ToList();
        foreach (var (run, at) in runs.Zip([T2, T3]))
            for (var i = 0; i < products.Count; i++)
                if (run.TryGetValue(products[i].Id, out var price)) products[i] = products[i] with { Price = price, LastChanged = at };
        return products;
    }

    private static string Staging(string table, string refreshId) =>
        Pipeline.Adapters.Google.BigQueryWarehouseSchema.StagingTable(table, refreshId);

    private static List<PriceObservation> FirstObservations() =>
        Fixture.Value.Select(p => new PriceObservation(p.Id, p.Price, T1, "run-1")).ToList();

    private static List<PriceObservation> Changes(Dictionary<string, decimal> prices, Dictionary<string, decimal> before, DateTimeOffset at, string runId) =>
        prices.Select(kv => new PriceObservation(kv.Key, kv.Value, at, runId) { PreviousPrice = before[kv.Key] }).ToList();

    private static Dictionary<string, decimal> FixturePrices() => Fixture.Value.ToDictionary(p => p.Id, p => p.Price);

    private async Task LoadThreeRunsAsync()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        _host.Clock.Now = T1.AddMinutes(5);
        var r1 = await _host.Warehouse.LoadAsync("refresh-1", AsyncStream.Of(ProductsAfter()), AsyncStream.Of(FirstObservations()), CancellationToken.None);
        Assert.Equal(new WarehouseLoadResult(194, 194), r1);

        _host.Clock.Now = T2.AddMinutes(5);
        var r2 = await _host.Warehouse.LoadAsync("refresh-2", AsyncStream.Of(ProductsAfter(Run2Prices)),
            AsyncStream.Of(FirstObservations().Concat(Changes(Run2Prices, FixturePrices(), T2, "run-2"))), CancellationToken.None);
        Assert.Equal(new WarehouseLoadResult(194, 4), r2);

        _host.Clock.Now = T3.AddMinutes(5);
        var afterRun2 = FixturePrices();
        foreach (var (id, price) in Run2Prices) afterRun2[id] = price;
        var r3 = await _host.Warehouse.LoadAsync("refresh-3", AsyncStream.Of(ProductsAfter(Run2Prices, Run3Prices)),
            AsyncStream.Of(Changes(Run3Prices, afterRun2, T3, "run-3")), CancellationToken.None);
        Assert.Equal(new WarehouseLoadResult(194, 1), r3);
    }

    [Fact]
    public async Task Ensure_schema_creates_the_dataset_and_both_tables_once()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);

        Assert.Single(Server.RequestsFor("bigquery.datasets.insert"));
        Assert.Equal("EU", (string?)Server.RequestsFor("bigquery.datasets.insert")[0].Json()!["location"]);
        Assert.Equal(["price_observations", "products"], Server.TableIds("pipeline"));
        var observations = Server.Table("pipeline", "price_observations")!;
        Assert.Equal("DAY", (string?)observations["timePartitioning"]!["type"]);
        Assert.Equal("observed_at", (string?)observations["timePartitioning"]!["field"]);
        Assert.Equal("product_id", (string?)observations["clustering"]!["fields"]![0]);
        var products = Server.Table("pipeline", "products")!;
        Assert.Equal(["source", "category"], products["clustering"]!["fields"]!.AsArray().Select(f => (string)f!));
        Assert.Null(await _host.Warehouse.AsOfAsync(CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task First_run_loads_every_product_and_observation_and_drops_the_staging_tables()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        _host.Clock.Now = T1.AddMinutes(5);

        var result = await _host.Warehouse.LoadAsync("refresh-1", AsyncStream.Of(ProductsAfter()), AsyncStream.Of(FirstObservations()), CancellationToken.None);

        Assert.Equal(new WarehouseLoadResult(194, 194), result);
        Assert.Equal(194, Server.CountRows("pipeline", "products"));
        Assert.Equal(194, Server.CountRows("pipeline", "price_observations"));
        Assert.Equal(92L, Server.Sql("SELECT COUNT(*) FROM pipeline.products WHERE brand IS NULL")[0][0]); // brand missing on 92
        Assert.Equal(["price_observations", "products"], Server.TableIds("pipeline"));
        var loads = Server.RequestsFor("bigquery.jobs.insert").Select(r => r.Json()!["configuration"]!["load"]!).ToList();
        Assert.Equal([Staging("products", "refresh-1"), Staging("price_observations", "refresh-1")],
            loads.Select(l => (string?)l["destinationTable"]!["tableId"]));
        Assert.StartsWith("_stg_products_refresh_1_", Staging("products", "refresh-1"));
        Assert.All(loads, l => Assert.Equal("WRITE_TRUNCATE", (string?)l["writeDisposition"]));
        Assert.Equal(2, Server.RequestsFor("bigquery.tables.delete").Count);
        Assert.Equal(T1.AddMinutes(5), await _host.Warehouse.AsOfAsync(CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Repeated_or_retried_refresh_adds_nothing()
    {
        await LoadThreeRunsAsync();
        var before = Server.Sql("SELECT product_id, run_id, price FROM pipeline.price_observations ORDER BY ALL");

        _host.Clock.Now = T3.AddHours(1);
        var again = await _host.Warehouse.LoadAsync("refresh-3", AsyncStream.Of(ProductsAfter(Run2Prices, Run3Prices)),
            AsyncStream.Of(FirstObservations().Concat(Changes(Run2Prices, FixturePrices(), T2, "run-2"))), CancellationToken.None);

        Assert.Equal(new WarehouseLoadResult(194, 0), again);
        Assert.Equal(194, Server.CountRows("pipeline", "products"));
        Assert.Equal(199, Server.CountRows("pipeline", "price_observations"));
        Assert.Equal(before, Server.Sql("SELECT product_id, run_id, price FROM pipeline.price_observations ORDER BY ALL"));
        Assert.Equal(["price_observations", "products"], Server.TableIds("pipeline"));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Top_categories_match_the_hand_computed_fixture_figures()
    {
        await LoadThreeRunsAsync();

        var top = await _host.Warehouse.TopCategoriesAsync(null, 3, CancellationToken.None);

        Assert.Equal(
        [
            new CategoryMetric("kitchen-accessories", 30, 17.69m, 3.99m, 89.99m, 3.82m, 1656),
            new CategoryMetric("groceries", 27, 5.47m, 0.89m, 19.99m, 3.91m, 1417),
            new CategoryMetric("sports-accessories", 17, 24.11m, 5.99m, 49.99m, 4.01m, 871),
        ], top);

        var all = await _host.Warehouse.TopCategoriesAsync("dummyjson", 100, CancellationToken.None);
        Assert.Equal(24, all.Count);
        Assert.Equal(194, all.Sum(c => c.ProductCount));
        // ties on count are ordered by category name
        Assert.Equal(["skin-care", "tablets", "womens-jewellery"], all.TakeLast(3).Select(c => c.Category));
        Assert.Equal(new CategoryMetric("beauty", 5, 14.29m, 8.99m, 24.99m, 3.75m, 392), all.Single(c => c.Category == "beauty"));
        Assert.Empty(await _host.Warehouse.TopCategoriesAsync("fakestore", 10, CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Cheapest_products_overall_and_per_category_break_ties_by_product_id()
    {
        await LoadThreeRunsAsync();

        Assert.Equal(
        [
            new CheapProduct("dummyjson:31", "Lemon", "groceries", 0.89m),
            new CheapProduct("dummyjson:26", "Green Chili Pepper", "groceries", 0.99m),
            new CheapProduct("dummyjson:42", "Water", "groceries", 0.99m),
        ], await _host.Warehouse.CheapestProductsAsync(null, null, 3, CancellationToken.None));

        Assert.Equal(
        [
            new CheapProduct("dummyjson:5", "Red Nail Polish", "beauty", 8.99m),
            new CheapProduct("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 9.49m),
        ], await _host.Warehouse.CheapestProductsAsync("dummyjson", "beauty", 2, CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Price_changes_list_every_change_newest_first_with_old_new_and_percentage()
    {
        await LoadThreeRunsAsync();

        var changes = await _host.Warehouse.PriceChangesAsync(null, 10, CancellationToken.None);

        Assert.Equal(
        [
            new PriceChange("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 8.99m, 9.49m, 5.56m, T3),
            new PriceChange("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 9.99m, 8.99m, -10.01m, T2),
            new PriceChange("dummyjson:2", "Eyeshadow Palette with Mirror", "beauty", 19.99m, 24.99m, 25.01m, T2),
            new PriceChange("dummyjson:31", "Lemon", "groceries", 0.79m, 0.89m, 12.66m, T2),
            new PriceChange("dummyjson:6", "Calvin Klein CK One", "fragrances", 49.99m, 39.99m, -20.00m, T2),
        ], changes);
        Assert.Equal(changes.Take(2), await _host.Warehouse.PriceChangesAsync("dummyjson", 2, CancellationToken.None));
        Assert.Empty(await _host.Warehouse.PriceChangesAsync("fakestore", 10, CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Biggest_moves_rank_drops_and_rises_within_the_period()
    {
        await LoadThreeRunsAsync();
        var w = _host.Warehouse;

        Assert.Equal([("dummyjson:6", -20.00m), ("dummyjson:1", -10.01m)],
            (await w.BiggestMovesAsync(null, T2, drops: true, 10, CancellationToken.None)).Select(c => (c.Id, c.ChangePct)));
        Assert.Equal([("dummyjson:2", 25.01m), ("dummyjson:31", 12.66m), ("dummyjson:1", 5.56m)],
            (await w.BiggestMovesAsync(null, T2, drops: false, 10, CancellationToken.None)).Select(c => (c.Id, c.ChangePct)));
        // the run-3 change compares with the run-2 price although that was observed before `since`
        var late = Assert.Single(await w.BiggestMovesAsync("dummyjson", T3, drops: false, 10, CancellationToken.None));
        Assert.Equal((8.99m, 9.49m), (late.OldPrice, late.NewPrice));
        Assert.Empty(await w.BiggestMovesAsync(null, T3, drops: true, 10, CancellationToken.None));
        Assert.Equal("dummyjson:6", Assert.Single(await w.BiggestMovesAsync(null, T1, drops: true, 1, CancellationToken.None)).Id);
        Server.AssertConformant();
    }

    [Fact]
    public async Task Price_history_is_every_observation_oldest_first()
    {
        await LoadThreeRunsAsync();

        Assert.Equal(
        [
            new PricePoint(9.99m, T1, "run-1"), new PricePoint(8.99m, T2, "run-2"), new PricePoint(9.49m, T3, "run-3"),
        ], await _host.Warehouse.PriceHistoryAsync("dummyjson:1", CancellationToken.None));
        Assert.Equal([new PricePoint(12.99m, T1, "run-1")], await _host.Warehouse.PriceHistoryAsync("dummyjson:4", CancellationToken.None));
        Assert.Empty(await _host.Warehouse.PriceHistoryAsync("dummyjson:9999", CancellationToken.None));
        Assert.Equal(T3.AddMinutes(5), await _host.Warehouse.AsOfAsync(CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Counts_give_products_and_observations_per_source_leaving_out_sources_with_neither()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        Assert.Empty(await _host.Warehouse.CountsAsync(CancellationToken.None));
        await LoadThreeRunsAsync();

        // a source with products and no observations yet, one with an observation and no product
        var result = await _host.Warehouse.LoadAsync("refresh-4",
            AsyncStream.Of(Fixture.Value.Take(3).Select(p => p with { Source = "fakestore" })),
            AsyncStream.Of([new PriceObservation("synthetic:1", 5m, T3, "run-9")]), CancellationToken.None);

        Assert.Equal(new WarehouseLoadResult(3, 1), result);
        Assert.Equal(
            [new SourceCounts("dummyjson", 194, 199), new SourceCounts("fakestore", 3, 0), new SourceCounts("synthetic", 0, 1)],
            await _host.Warehouse.CountsAsync(CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task Large_loads_are_split_into_several_upload_jobs_truncate_first_then_append()
    {
        await using var host = await BigQueryTestHost.StartAsync(o => o.MaxUploadBytes = 16 * 1024);
        await host.Warehouse.EnsureSchemaAsync(CancellationToken.None);

        var result = await host.Warehouse.LoadAsync("refresh-1", AsyncStream.Of(ProductsAfter()), AsyncStream.Of(FirstObservations()), CancellationToken.None);

        Assert.Equal(new WarehouseLoadResult(194, 194), result);
        var productLoads = host.Server.RequestsFor("bigquery.jobs.insert")
            .Where(r => (string?)r.Json()!["configuration"]!["load"]!["destinationTable"]!["tableId"] == Staging("products", "refresh-1")).ToList();
        Assert.True(productLoads.Count >= 3, $"expected several product uploads, got {productLoads.Count}");
        Assert.All(productLoads, r => Assert.True(r.Media().Length <= 16 * 1024));
        Assert.Equal(["WRITE_TRUNCATE", .. Enumerable.Repeat("WRITE_APPEND", productLoads.Count - 1)],
            productLoads.Select(r => (string?)r.Json()!["configuration"]!["load"]!["writeDisposition"]));
        Assert.Equal(194, host.Server.CountRows("pipeline", "products"));
        host.Server.AssertConformant();
    }

    [Fact]
    public async Task A_failed_load_surfaces_the_job_error_and_still_drops_staging()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        var bad = ProductsAfter().Take(3).Append(Fixture.Value[3] with { SourceId = "x", Title = null! });

        var ex = await Assert.ThrowsAsync<Pipeline.Adapters.Google.BigQueryJobException>(() =>
            _host.Warehouse.LoadAsync("refresh-bad", AsyncStream.Of(bad), AsyncStream.Of(FirstObservations()), CancellationToken.None));

        Assert.Equal("invalid", ex.Reason);
        Assert.Contains(ex.Errors, e => e.Message!.Contains("Missing required field: title"));
        Assert.Equal(0, Server.CountRows("pipeline", "products"));
        Assert.Equal(["price_observations", "products"], Server.TableIds("pipeline"));
        Server.AssertConformant();
    }
}
