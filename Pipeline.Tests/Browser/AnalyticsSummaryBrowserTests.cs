using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>
/// "Price changes over time" on /analytics in a real browser against the real host: after two Synthetic runs that move
/// far more prices than the latest-changes list holds, the totals shown are the warehouse's summary over the whole
/// window, as <c>GET /api/metrics/price-changes/summary</c> answers it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AnalyticsSummaryBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private BrowserHost _host = null!;

    public async Task InitializeAsync() => _host = await BrowserHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(long Drops, long Rises, int Buckets)> SummaryAsync(string query)
    {
        var summary = JsonDocument.Parse(await _host.Api.GetStringAsync("/api/metrics/price-changes/summary?" + query)).RootElement;
        return (summary.GetProperty("drops").GetInt64(), summary.GetProperty("rises").GetInt64(), summary.GetProperty("buckets").GetArrayLength());
    }

    [Fact]
    public async Task The_price_change_totals_are_the_summary_over_the_window_not_the_latest_200()
    {
        // The same 2,500 products under two seeds: nearly every price moves.
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("synthetic", new { count = 2_500, seed = 1, epoch = 0 }));
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("synthetic", new { count = 2_500, seed = 2, epoch = 0 }));
        var week = await SummaryAsync("hours=168"); // the page's default window, per day
        var day = await SummaryAsync("hours=24");   // per hour
        Assert.True(week.Drops > 1_000 && week.Rises > 1_000, $"expected over a thousand drops and rises, got {week}");
        Assert.Equal(week.Drops + week.Rises, day.Drops + day.Rises); // both runs were just now

        var page = await _host.OpenAsync(browser.Browser, "/analytics");

        var drops = page.Locator("#price-changes-drops");
        var rises = page.Locator("#price-changes-rises");
        await Assertions.Expect(drops).ToHaveTextAsync(week.Drops.ToString("N0", CultureInfo.InvariantCulture)); // e.g. "1,251"
        await Assertions.Expect(rises).ToHaveTextAsync(week.Rises.ToString("N0", CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#price-changes-totals")).ToContainTextAsync("per day");
        await Assertions.Expect(page.Locator("#price-changes-chart svg").First).ToBeVisibleAsync();
        // The list beside it still holds the latest 200 only.
        await Assertions.Expect(page.Locator("#price-changes-table tbody tr")).Not.ToHaveCountAsync(0);
        Assert.InRange(await page.Locator("#price-changes-table tbody tr").CountAsync(), 1, 200);

        // The last 24 hours: hourly buckets, the same totals as the API's.
        await page.Locator(".mud-input-control.mud-select:has(#analytics-window)").ClickAsync(); // the id is on MudSelect's hidden input
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "the last 24 hours" }).ClickAsync();
        await Assertions.Expect(page.Locator("#price-changes-totals")).ToContainTextAsync("per hour");
        await Assertions.Expect(drops).ToHaveAttributeAsync("data-count", day.Drops.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(rises).ToHaveAttributeAsync("data-count", day.Rises.ToString(CultureInfo.InvariantCulture));
        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "analytics-price-change-summary.png"), FullPage = true });
    }
}
