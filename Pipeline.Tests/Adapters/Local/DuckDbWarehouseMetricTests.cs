using System.Text;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Tests.Adapters.Google;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The embedded warehouse against the same hand-computed figures as the BigQuery warehouse (docs/metrics.md): the
/// DummyJSON fixture, then a run that changes four prices and one that changes one more.
/// </summary>
public sealed class DuckDbWarehouseMetricTests : IDisposable
{
    private static readonly DateTimeOffset T1 = new(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T3 = new(2025, 5, 2, 6, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, decimal> Run2Prices = new()
    {
        ["dummyjson:1"] = 8.99m, ["dummyjson:2"] = 24.99m, ["dummyjson:6"] = 39.99m, ["dummyjson:31"] = 0.89m,
    };

    private static readonly Dictionary<string, decimal> Run3Prices = new() { ["dummyjson:1"] = 9.49m };

    private static readonly Lazy<IReadOnlyList<Product>> Fixture = new(() =>
    {
        var page = Encoding.UTF8.GetBytes($"{{\"products\":{SharedFixtures.ReadText("dummyjson", "products.json")},\"total\":194}}");
        return CatalogPageParser.Parse(page, CatalogFormat.DummyJson, new ParseContext("dummyjson", "run-1", "raw/fixture.json", T1)).Products;
    });

    private readonly TempFolder _dir = new();
    private readonly FixedTimeProvider _clock = new(T1);
    private readonly DuckDbWarehouse _warehouse;

    public DuckDbWarehouseMetricTests() => _warehouse = new DuckDbWarehouse(Path.Combine(_dir.Path, "w.duckdb"), _clock);

    public void Dispose() => _dir.Dispose();


    private static Dictionary<string, decimal> Prices(params Dictionary<string, decimal>[] runs)
    {
        var prices = Fixture.Value.ToDictionary(p => p.Id, p => p.Price);
        foreach (var run in runs)
            foreach (var (id, price) in run) prices[id] = price;
        return prices;
    }

    private static IEnumerable<Product> Products(params Dictionary<string, decimal>[] runs)
    {
        var prices = Prices(runs);
        return Fixture.Value.Select(p => p with { Price = prices[p.Id] });
    }

    private static IEnumerable<PriceObservation> Observations(Dictionary<string, decimal> changes, Dictionary<string, decimal> before, DateTimeOffset at, string runId) =>
        changes.Select(kv => new PriceObservation(kv.Key, kv.Value, at, runId) { PreviousPrice = before[kv.Key] });

    private async Task LoadThreeRunsAsync()
    {
        var first = Fixture.Value.Select(p => new PriceObservation(p.Id, p.Price, T1, "run-1")).ToList();
        _clock.Now = T1.AddMinutes(5);
        Assert.Equal(new WarehouseLoadResult(194, 194), await _warehouse.LoadAsync("r1", AsyncStream.Of(Products()), AsyncStream.Of(first), CancellationToken.None));
        _clock.Now = T2.AddMinutes(5);
        var second = first.Concat(Observations(Run2Prices, Prices(), T2, "run-2")).ToList();
        Assert.Equal(new WarehouseLoadResult(194, 4), await _warehouse.LoadAsync("r2", AsyncStream.Of(Products(Run2Prices)), AsyncStream.Of(second), CancellationToken.None));
        _clock.Now = T3.AddMinutes(5);
        var third = second.Concat(Observations(Run3Prices, Prices(Run2Prices), T3, "run-3")).ToList();
        Assert.Equal(new WarehouseLoadResult(194, 1),
            await _warehouse.LoadAsync("r3", AsyncStream.Of(Products(Run2Prices, Run3Prices)), AsyncStream.Of(third), CancellationToken.None));
        _clock.Now = T3.AddHours(1);
        Assert.Equal(new WarehouseLoadResult(194, 0),
            await _warehouse.LoadAsync("r3-again", AsyncStream.Of(Products(Run2Prices, Run3Prices)), AsyncStream.Of(third), CancellationToken.None));
    }

    [Fact]
    public async Task Top_categories_match_the_hand_computed_fixture_figures()
    {
        await LoadThreeRunsAsync();

        Assert.Equal(
        [
            new CategoryMetric("kitchen-accessories", 30, 17.69m, 3.99m, 89.99m, 3.82m, 1656),
            new CategoryMetric("groceries", 27, 5.47m, 0.89m, 19.99m, 3.91m, 1417),
            new CategoryMetric("sports-accessories", 17, 24.11m, 5.99m, 49.99m, 4.01m, 871),
        ], await _warehouse.TopCategoriesAsync(null, 3, CancellationToken.None));
        var all = await _warehouse.TopCategoriesAsync("dummyjson", 100, CancellationToken.None);
        Assert.Equal(194, all.Sum(c => c.ProductCount));
        Assert.Equal(["skin-care", "tablets", "womens-jewellery"], all.TakeLast(3).Select(c => c.Category));
        Assert.Equal(new CategoryMetric("beauty", 5, 14.29m, 8.99m, 24.99m, 3.75m, 392), all.Single(c => c.Category == "beauty"));
        Assert.Empty(await _warehouse.TopCategoriesAsync("fakestore", 10, CancellationToken.None));
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
        ], await _warehouse.CheapestProductsAsync(null, null, 3, CancellationToken.None));
        Assert.Equal(
        [
            new CheapProduct("dummyjson:5", "Red Nail Polish", "beauty", 8.99m),
            new CheapProduct("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 9.49m),
        ], await _warehouse.CheapestProductsAsync("dummyjson", "beauty", 2, CancellationToken.None));
    }

    [Fact]
    public async Task Price_changes_and_biggest_moves_match_the_hand_computed_figures()
    {
        await LoadThreeRunsAsync();

        Assert.Equal(
        [
            new PriceChange("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 8.99m, 9.49m, 5.56m, T3),
            new PriceChange("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 9.99m, 8.99m, -10.01m, T2),
            new PriceChange("dummyjson:2", "Eyeshadow Palette with Mirror", "beauty", 19.99m, 24.99m, 25.01m, T2),
            new PriceChange("dummyjson:31", "Lemon", "groceries", 0.79m, 0.89m, 12.66m, T2),
            new PriceChange("dummyjson:6", "Calvin Klein CK One", "fragrances", 49.99m, 39.99m, -20.00m, T2),
        ], await _warehouse.PriceChangesAsync(null, 10, CancellationToken.None));
        Assert.Equal([("dummyjson:6", -20.00m), ("dummyjson:1", -10.01m)],
            (await _warehouse.BiggestMovesAsync(null, T2, drops: true, 10, CancellationToken.None)).Select(c => (c.Id, c.ChangePct)));
        Assert.Equal([("dummyjson:2", 25.01m), ("dummyjson:31", 12.66m), ("dummyjson:1", 5.56m)],
            (await _warehouse.BiggestMovesAsync(null, T2, drops: false, 10, CancellationToken.None)).Select(c => (c.Id, c.ChangePct)));
        var late = Assert.Single(await _warehouse.BiggestMovesAsync("dummyjson", T3, drops: false, 10, CancellationToken.None));
        Assert.Equal((8.99m, 9.49m), (late.OldPrice, late.NewPrice));
    }

    [Fact]
    public async Task Price_history_and_as_of_time()
    {
        Assert.Null(await _warehouse.AsOfAsync(CancellationToken.None));
        await LoadThreeRunsAsync();

        Assert.Equal([new PricePoint(9.99m, T1, "run-1"), new PricePoint(8.99m, T2, "run-2"), new PricePoint(9.49m, T3, "run-3")],
            await _warehouse.PriceHistoryAsync("dummyjson:1", CancellationToken.None));
        Assert.Equal(T3.AddHours(1), await _warehouse.AsOfAsync(CancellationToken.None));
    }
}
