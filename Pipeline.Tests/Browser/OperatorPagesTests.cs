using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Pipeline.Tests.Scheduling;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Browser;

/// <summary>The operator pages in a real browser against the real host (embedded backends, fixture catalog server).</summary>
[Collection(BrowserCollection.Name)]
public sealed class OperatorPagesTests(BrowserFixture browser) : IAsyncLifetime
{
    private BrowserHost _host = null!;

    public async Task InitializeAsync() => _host = await BrowserHost.StartAsync(SchedulerTestSettings.Fast());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<IPage> OpenAsync(string path, int width = 1366, int height = 900) => _host.OpenAsync(browser.Browser, path, width, height);

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, name + ".png"), FullPage = true });
    }

    [Fact]
    public async Task Browse_products_page_by_page_then_open_a_price_history()
    {
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("dummyjson"));
        _host.Catalog.DummyProducts[0]!["price"] = JsonValue.Create(0.49m); // "Essence Mascara Lash Princess" drops from 9.99, the cheapest now
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("dummyjson"));

        var page = await OpenAsync("/products?source=dummyjson");
        var rows = page.Locator("#products-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        var firstTitle = await page.Locator("#products-table [data-product-id]").First.TextContentAsync();

        await page.Locator("#products-next").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("page="));
        await Assertions.Expect(page.Locator("#products-table [data-product-id]").First).Not.ToHaveTextAsync(firstTitle!);
        await Assertions.Expect(page.Locator("#products-previous")).ToBeEnabledAsync();
        await page.Locator("#products-previous").ClickAsync();
        await Assertions.Expect(page.Locator("#products-table [data-product-id]").First).ToHaveTextAsync(firstTitle!);

        // Sorted by price, the cheapest first: the mascara at its new price.
        await page.GotoAsync(_host.BaseUrl + "/products?source=dummyjson&sort=price");
        await Assertions.Expect(page.Locator("#products-table tbody tr").First.Locator("[data-price]")).ToHaveAttributeAsync("data-price", "0.49");

        await page.Locator("input#filter-search").FillAsync("mascara");
        await page.Locator("input#filter-search").PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("q=mascara"));
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        await page.Locator("#products-table [data-product-id='dummyjson:1']").ClickAsync();
        await Assertions.Expect(page.Locator("#product-title")).ToHaveTextAsync("Essence Mascara Lash Princess");
        var history = page.Locator("#price-history-table tbody tr");
        await Assertions.Expect(history).ToHaveCountAsync(2);
        await Assertions.Expect(history.First).ToContainTextAsync("0.49");
        await Assertions.Expect(history.First).ToContainTextAsync("-95.1 %");
        await Assertions.Expect(history.Nth(1)).ToContainTextAsync("9.99");
        await Assertions.Expect(page.Locator("#price-history-chart svg").First).ToBeVisibleAsync();
        await ScreenshotAsync(page, "product-detail");
    }

    [Fact]
    public async Task Analytics_show_the_run_just_made()
    {
        var page = await OpenAsync("/");
        await page.Locator("#run-ingestion").ClickAsync();
        await Assertions.Expect(page.Locator("#run-progress [data-status]")).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 60_000 });
        var run = (await _host.Api.GetFromJsonAsync<ItemsResponse<RunDto>>("/api/ingestions", ApiCalls.Json))!.Items.Single();
        await _host.Api.WaitForRunAsync(run.RunId); // and the warehouse refresh that follows it

        await page.Locator("a[href='/analytics']").ClickAsync();
        await Assertions.Expect(page.Locator("#as-of")).ToContainTextAsync("Warehouse as of");
        var categories = page.Locator("#categories-table tbody tr");
        await Assertions.Expect(categories.First).ToBeVisibleAsync();
        Assert.InRange(await categories.CountAsync(), 1, 12);
        await Assertions.Expect(page.Locator("#cheapest-overall tbody tr")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#top-categories-chart svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#price-changes-empty")).ToBeVisibleAsync(); // one run: no price has changed yet
        await ScreenshotAsync(page, "analytics");
    }

    [Fact]
    public async Task Pause_and_resume_a_schedule()
    {
        var page = await OpenAsync("/schedules");
        var card = page.Locator("[data-schedule='ingest-fakestore']");
        await Assertions.Expect(card.Locator("[data-description]")).ToHaveTextAsync("Every 6 hours, at 00:00, 06:00, 12:00 and 18:00 UTC");
        await Assertions.Expect(card.Locator("[data-next]")).ToContainTextAsync("UTC");

        await card.Locator("[data-action=pause]").ClickAsync();
        await Assertions.Expect(card.Locator("[data-paused]")).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator("[data-next]")).ToHaveTextAsync("paused");

        await page.ReloadAsync();
        await Assertions.Expect(card.Locator("[data-paused]")).ToBeVisibleAsync();
        var schedules = await _host.Api.GetStringAsync("/api/schedules");
        Assert.Contains("\"id\":\"ingest-fakestore\",\"cron\":\"0 */6 * * *\"", schedules);
        Assert.Contains("\"nextRunAt\":null,\"lastRunAt\":null,\"lastOutcome\":null,\"paused\":true", schedules);

        await card.Locator("[data-action=resume]").ClickAsync();
        await Assertions.Expect(card.Locator("[data-paused]")).ToHaveCountAsync(0);
        await Assertions.Expect(card.Locator("[data-next]")).ToContainTextAsync("UTC");
        await Assertions.Expect(card.Locator("[data-action=pause]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Every_operator_page_fits_a_phone_screen()
    {
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("synthetic", new { count = 300 }));
        var run = (await _host.Api.GetFromJsonAsync<ItemsResponse<RunDto>>("/api/ingestions", ApiCalls.Json))!.Items.Single();
        var date = run.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd");
        var page = await OpenAsync("/products", width: 390, height: 844);
        foreach (var (path, ready) in new[]
        {
            ("/products", "#products-table tbody tr"),
            ("/products/synthetic%3A1", "#price-history-table tbody tr"),
            ("/analytics", "#categories-table tbody tr"),
            ("/throughput", "#run-rates-table tbody tr"),
            ($"/raw?source=synthetic&date={date}&run={run.RunId}", "#raw-objects tbody tr"),
            ("/schedules", "[data-schedule]"),
        })
        {
            await page.GotoAsync(_host.BaseUrl + path);
            await Assertions.Expect(page.Locator(ready).First).ToBeVisibleAsync();
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{path} is {overflow}px wider than a 390px phone screen");
            await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        }
        await ScreenshotAsync(page, "schedules-phone");
    }
}
