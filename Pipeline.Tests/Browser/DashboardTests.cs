using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>The dashboard in a real browser against the real host on a loopback port.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser) : IAsyncLifetime
{
    private PipelineAppFactory _app = null!;
    private string _baseUrl = "";

    public Task InitializeAsync()
    {
        _app = new PipelineAppFactory();
        _app.UseKestrel(0);
        _app.StartServer();
        _baseUrl = _app.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Run_Ingestion_on_the_synthetic_source_succeeds_and_products_appear()
    {
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        await using var context = page.Context; // closed with the test: the browser is shared by the collection
        page.SetDefaultTimeout(30_000);

        await DashboardSignIn.SignInAsync(page, _baseUrl);
        await page.Locator("#run-ingestion").ClickAsync();

        var status = page.Locator("#run-progress [data-status]");
        await Assertions.Expect(status).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#run-progress [data-counter=productsUpserted]")).ToHaveTextAsync("1,000");
        await Assertions.Expect(page.Locator("#cheapest-products tbody tr")).ToHaveCountAsync(5, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#top-categories tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#backends [data-backend=stream]")).ToContainTextAsync("Local");

        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "overview.png"), FullPage = true });

        await page.GotoAsync(_baseUrl + "/runs");
        await Assertions.Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#runs-table [data-status]")).ToHaveAttributeAsync("data-status", "succeeded");
    }
}
