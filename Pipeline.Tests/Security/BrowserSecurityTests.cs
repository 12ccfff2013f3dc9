using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Pipeline.Tests.Browser;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// The dashboard in a real browser with hostile catalog data: a product title and a record id that are HTML/script.
/// They must show as text, run nothing, and the pages must work under the Content-Security-Policy.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserSecurityTests(BrowserFixture browser, BrowserSecurityTests.App app) : IClassFixture<BrowserSecurityTests.App>
{
    public const string HostileTitle = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    public const string HostileId = "<script>alert(3)</script>";

    public sealed class App : IAsyncLifetime
    {
        public FixtureCatalogServer Catalog { get; private set; } = null!;
        public PipelineAppFactory Factory { get; private set; } = null!;
        public string BaseUrl { get; private set; } = "";
        public string RunId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Catalog = await FixtureCatalogServer.StartAsync();
            var products = Catalog.DummyProducts;
            products[0]!["title"] = HostileTitle;
            products[0]!["price"] = 0.01m; // the cheapest, so the overview lists it
            products.Add(new JsonObject { ["id"] = HostileId, ["price"] = 1, ["category"] = "beauty" }); // no title: rejected
            Factory = new PipelineAppFactory(Catalog);
            Factory.UseKestrel(0);
            Factory.StartServer();
            BaseUrl = Factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
            using var api = Factory.CreateApiClient();
            RunId = await api.StartRunAsync("dummyjson");
            var run = await api.WaitForRunAsync(RunId);
            Assert.Equal("partiallySucceeded", run.Status);
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Catalog.DisposeAsync();
        }
    }

    private async Task<(IPage Page, ConcurrentQueue<string> Dialogs, ConcurrentQueue<string> Violations)> OpenAsync()
    {
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        page.SetDefaultTimeout(30_000);
        var dialogs = new ConcurrentQueue<string>();
        var violations = new ConcurrentQueue<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Enqueue(dialog.Message);
            await dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) violations.Enqueue(message.Text);
        };
        page.PageError += (_, error) => violations.Enqueue($"page error: {error}");
        return (page, dialogs, violations);
    }

    [Fact]
    public async Task Script_in_a_product_title_is_shown_as_text_and_never_runs()
    {
        var (page, dialogs, _) = await OpenAsync();
        await using var context = page.Context;

        await DashboardSignIn.SignInAsync(page, app.BaseUrl);
        var cheapest = page.Locator("#cheapest-products tbody tr").First.Locator("td").First;
        await Assertions.Expect(cheapest).ToHaveTextAsync(HostileTitle);

        Assert.Equal(0, await page.Locator("#cheapest-products img").CountAsync());
        Assert.Equal(0, await page.Locator("#cheapest-products script").CountAsync());
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", await cheapest.InnerHTMLAsync());
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task Script_in_a_rejected_records_id_is_shown_as_text_on_the_run_page()
    {
        var (page, dialogs, _) = await OpenAsync();
        await using var context = page.Context;

        await DashboardSignIn.SignInAsync(page, app.BaseUrl, $"/runs/{app.RunId}");
        var row = page.Locator("#rejections-table tbody tr").Filter(new() { HasText = HostileId });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("missing required field 'title'");

        Assert.Equal(0, await page.Locator("#rejections-table script").CountAsync());
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task The_dashboard_works_under_its_content_security_policy()
    {
        var (page, dialogs, violations) = await OpenAsync();
        await using var context = page.Context;

        await DashboardSignIn.SignInAsync(page, app.BaseUrl);
        await Assertions.Expect(page.Locator("#cheapest-products tbody tr")).ToHaveCountAsync(5);
        await page.Locator("a[href='/runs']").ClickAsync();
        await Assertions.Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(1);
        await page.Locator("#runs-table tbody tr").First.ClickAsync();
        await Assertions.Expect(page.Locator("#rejections-table tbody tr")).ToHaveCountAsync(1);

        Assert.Empty(violations);
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task Signing_out_in_the_browser_ends_the_session()
    {
        var (page, _, violations) = await OpenAsync();
        await using var context = page.Context;
        await DashboardSignIn.SignInAsync(page, app.BaseUrl);

        await page.Locator("#sign-out").ClickAsync();

        await page.WaitForURLAsync(url => url.EndsWith("/account/sign-in?signedOut=1", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#signed-out")).ToBeVisibleAsync();
        await page.GotoAsync(app.BaseUrl + "/runs");
        Assert.StartsWith(app.BaseUrl + "/account/sign-in?ReturnUrl=", page.Url);
        Assert.Empty(violations);
    }

    [Fact]
    public async Task A_wrong_password_in_the_browser_shows_the_error_and_keeps_the_dashboard_closed()
    {
        var (page, _, _) = await OpenAsync();
        await using var context = page.Context;

        await page.GotoAsync(app.BaseUrl + "/runs");
        Assert.StartsWith(app.BaseUrl + "/account/sign-in?ReturnUrl=%2Fruns", page.Url);
        await page.Locator("#user-name").FillAsync("admin");
        await page.Locator("#password").FillAsync("not-the-password");
        await page.Locator("#sign-in").ClickAsync();

        await Assertions.Expect(page.Locator("#sign-in-error")).ToBeVisibleAsync();
        Assert.Contains("ReturnUrl=%2Fruns", page.Url);
        Assert.Equal(0, await page.Locator("#runs-table").CountAsync());
    }
}
