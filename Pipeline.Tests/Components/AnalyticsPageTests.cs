using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Components.Pages;

namespace Pipeline.Tests.Components;

/// <summary>/analytics over the real DuckDB warehouse, loaded from the real SQLite store.</summary>
public sealed class AnalyticsPageTests : MudTestContext
{
    private readonly PageBackends _backends = new();

    public AnalyticsPageTests() => Services.AddSingleton(TimeProvider.System);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    private async Task SeedAsync()
    {
        var first = DateTimeOffset.UtcNow.AddHours(-5);
        await _backends.UpsertAsync(
        [
            PageBackends.Product("dummyjson", 1, "Phone A", "phones", 100m),
            PageBackends.Product("dummyjson", 2, "Phone B", "phones", 200m),
            PageBackends.Product("dummyjson", 3, "Phone C", "phones", 300m),
            PageBackends.Product("dummyjson", 4, "Laptop A", "laptops", 1000m),
            PageBackends.Product("dummyjson", 5, "Laptop B", "laptops", 1500m),
            PageBackends.Product("dummyjson", 6, "Mug", "kitchen", 5m),
        ], "run-1", first);
        // Second run: one drop (-25 %) and one rise (+10 %).
        await _backends.UpsertAsync(
        [
            PageBackends.Product("dummyjson", 1, "Phone A", "phones", 75m),
            PageBackends.Product("dummyjson", 4, "Laptop A", "laptops", 1100m),
        ], "run-2", first.AddHours(1));
        await _backends.LoadWarehouseAsync();
    }

    [Fact]
    public async Task Shows_top_categories_cheapest_products_price_changes_and_the_as_of_time()
    {
        await SeedAsync();
        Services.AddSingleton<IWarehouse>(_backends.Warehouse);
        var page = Render<Analytics>();

        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("#categories-table tbody tr").Count), TimeSpan.FromSeconds(10));
        var categories = page.FindAll("#categories-table tbody tr")
            .Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList()).ToList();
        Assert.Equal(["phones", "3", "$191.67", "$75.00", "$300.00", "4.50", "30"], categories[0]); // avg (75 + 200 + 300) / 3
        Assert.Equal(["laptops", "2"], categories[1].Take(2));
        Assert.Contains("Warehouse as of", page.Find("#as-of").TextContent);
        Assert.NotEmpty(page.FindAll("#top-categories-chart svg"));

        var cheapest = page.FindAll("#cheapest-overall tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(6, cheapest.Count);
        Assert.Contains("Mug", cheapest[0]);
        Assert.Contains("Phone A", cheapest[1]);
        // The category picker starts at the top category.
        Assert.Equal(["Phone A", "Phone B", "Phone C"],
            page.FindAll("#cheapest-in-category tbody tr td:first-child").Select(td => td.TextContent.Trim()));

        var changes = page.FindAll("#price-changes-table tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Contains("-25.0 %", page.Find("#biggest-drops tbody tr").TextContent);
        Assert.Contains("Phone A", page.Find("#biggest-drops tbody tr").TextContent);
        Assert.Contains("+10.0 %", page.Find("#biggest-rises tbody tr").TextContent);
        Assert.Contains("Laptop A", page.Find("#biggest-rises tbody tr").TextContent);
        Assert.NotEmpty(page.FindAll("#price-changes-chart svg"));
        Assert.Equal(("1", "1"), (page.Find("#price-changes-drops").TextContent, page.Find("#price-changes-rises").TextContent));
    }

    [Fact]
    public async Task Price_change_totals_and_chart_come_from_the_warehouse_summary_not_from_the_latest_changes()
    {
        await SeedAsync(); // two changes in the latest-changes list
        var day = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero);
        var buckets = Enumerable.Range(0, 8).Select(d => new PriceChangeBucketCount(day.AddDays(d - 7), d == 7 ? 20_000 : 0, d == 6 ? 12_345 : 0)).ToList();
        var warehouse = new SummaryWarehouse(_backends.Warehouse, new PriceChangeSummary(20_000, 12_345, buckets));
        Services.AddSingleton<IWarehouse>(warehouse);
        var page = Render<Analytics>();

        await page.WaitForAssertionAsync(() => Assert.Equal("20,000", page.Find("#price-changes-drops").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("12,345", page.Find("#price-changes-rises").TextContent);
        Assert.Equal("20000", page.Find("#price-changes-drops").GetAttribute("data-count"));
        Assert.Contains("per day", page.Find("#price-changes-totals").TextContent);
        Assert.Equal(2, page.FindAll("#price-changes-table tbody tr").Count);
        // The page's window (7 days by default) in daily buckets, for all sources.
        Assert.Equal((null, TimeSpan.FromDays(7), PriceChangeBucket.Day), Assert.Single(warehouse.Asked));
        // One label per bucket of the summary, oldest first.
        var labels = page.FindAll("#price-changes-chart svg text").Select(t => t.TextContent.Trim()).ToList();
        Assert.Contains(day.AddDays(-7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), labels);
        Assert.Contains(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), labels);
    }

    [Fact]
    public async Task A_window_without_price_changes_says_so_instead_of_a_chart()
    {
        await SeedAsync();
        var empty = PriceChangeWindow.Ending(DateTimeOffset.UtcNow, TimeSpan.FromDays(7), PriceChangeBucket.Day).Summarize([]);
        Services.AddSingleton<IWarehouse>(new SummaryWarehouse(_backends.Warehouse, empty));
        var page = Render<Analytics>();

        await page.WaitForAssertionAsync(() => Assert.Contains("No price changed in this period", page.Find("#price-changes-empty").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.Empty(page.FindAll("#price-changes-chart"));
        Assert.Empty(page.FindAll("#price-changes-drops"));
    }

    /// <summary>The real warehouse, except that the summary is the one given; records what the page asked for.</summary>
    private sealed class SummaryWarehouse(IWarehouse inner, PriceChangeSummary summary) : DelegatingWarehouse(inner)
    {
        public List<(string? Source, TimeSpan Window, PriceChangeBucket Bucket)> Asked { get; } = [];

        public override Task<PriceChangeSummary> PriceChangeSummaryAsync(string? source, TimeSpan window, PriceChangeBucket bucket, CancellationToken ct)
        {
            Asked.Add((source, window, bucket));
            return Task.FromResult(summary);
        }
    }

    [Fact]
    public async Task An_empty_warehouse_says_what_to_do()
    {
        Services.AddSingleton<IWarehouse>(_backends.Warehouse);
        var page = Render<Analytics>();

        await page.WaitForAssertionAsync(() => Assert.Contains("The warehouse has no data yet", page.Find("#analytics-empty").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("Warehouse not loaded yet", page.Find("#as-of").TextContent);
    }

    [Fact]
    public async Task Shows_loading_until_the_warehouse_answers()
    {
        await SeedAsync();
        var (gated, gate) = Gate<IWarehouse>.Around(_backends.Warehouse);
        Services.AddSingleton(gated);
        var page = Render<Analytics>();

        Assert.NotNull(page.Find("#analytics-loading"));
        gate.SetResult();
        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("#categories-table tbody tr").Count), TimeSpan.FromSeconds(10));
        Assert.Empty(page.FindAll("#analytics-loading"));
    }

    [Fact]
    public async Task Shows_the_warehouse_error()
    {
        Services.AddSingleton<IWarehouse>(new DuckDbWarehouse(_backends.CorruptFile("broken.duckdb"), TimeProvider.System));
        var page = Render<Analytics>();

        await page.WaitForAssertionAsync(() => Assert.Contains("The warehouse could not be read", page.Find("#analytics-error").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(page.FindAll("#categories-table"));
    }
}
