using Microsoft.Playwright;
using Pipeline.Tests.Browser;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Reliability;

/// <summary>What was quarantined, and why, is on the run's page in the dashboard.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FaultVisibilityTests(BrowserFixture browser) : IAsyncLifetime
{
    private FixtureCatalogServer _catalog = null!;
    private PipelineAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        _catalog = await FixtureCatalogServer.StartAsync();
        _app = new PipelineAppFactory(_catalog);
        _app.UseKestrel(0);
        _app.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    [Fact]
    public async Task A_quarantined_page_and_a_rejected_record_show_on_the_run_page_with_their_reasons()
    {
        for (var i = 0; i < 4; i++) _catalog.Enqueue(Fault.Status("/dummyjson/products?limit=30&skip=60", 500));
        _catalog.DummyProducts[3]!["price"] = "12.99";
        using var api = _app.CreateApiClient();
        var runId = await api.StartRunAsync("dummyjson");
        Assert.Equal("partiallySucceeded", (await api.WaitForRunAsync(runId, andRefresh: false)).Status);
        var baseUrl = _app.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        await using var context = page.Context;
        page.SetDefaultTimeout(30_000);

        await DashboardSignIn.SignInAsync(page, baseUrl, $"/runs/{runId}");

        await Assertions.Expect(page.Locator("#run-progress [data-status]")).ToHaveAttributeAsync("data-status", "partiallySucceeded");
        await Assertions.Expect(page.Locator("#run-progress [data-counter=pagesFetched]")).ToHaveTextAsync("6 (1 failed)");
        await Assertions.Expect(page.Locator("#run-progress [data-counter=productsRejected]")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#run-progress .mud-alert").Filter(new() { HasText = "page 3:" })).ToContainTextAsync("answered 500");
        var rows = page.Locator("#rejections-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var pageRow = rows.Filter(new() { HasText = "page-000003.json" });
        await Assertions.Expect(pageRow).ToContainTextAsync("whole page");
        await Assertions.Expect(pageRow).ToContainTextAsync("fetch failed:");
        await Assertions.Expect(pageRow).ToContainTextAsync("answered 500");
        await Assertions.Expect(rows.Filter(new() { HasText = "page-000001.json" })).ToContainTextAsync("'price' must be a number but is a string");

        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "run-with-quarantine.png"), FullPage = true });
    }
}
