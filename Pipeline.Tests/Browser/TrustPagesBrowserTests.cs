using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>
/// /quality and /settings in a real browser against the real host: checks run through the API appear on the page, a
/// test delivery sent from the page reaches a real receiver on 127.0.0.1 and shows as delivered, the Overview's Sources
/// card follows the run, and both pages fit a phone and a desktop screen.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TrustPagesBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Secret = "browser-test-webhook-secret-0123";
    private WebhookReceiver _receiver = null!;
    private BrowserHost _host = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _host = await BrowserHost.StartAsync(new Dictionary<string, string?>
        {
            ["Pipeline:Notifications:PollInterval"] = "00:00:00.200",
            ["Pipeline:Notifications:Webhooks:0:Url"] = _receiver.Url.ToString(),
            ["Pipeline:Notifications:Webhooks:0:Secret"] = Secret,
            ["Pipeline:Notifications:Webhooks:0:Events"] = "run.failed", // no run fails here: the test delivery is the only one
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    /// <summary>Fails when a table on the page scrolls sideways inside its container (ids and names wrapped or cut).</summary>
    private static async Task AssertTablesFitAsync(IPage page, string what)
    {
        var overflowing = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('.mud-table-container')].filter(c => c.scrollWidth > c.clientWidth).map(c => c.closest('[id]')?.id ?? '?')");
        Assert.True(overflowing.Length == 0, $"{what}: tables wider than their card: {string.Join(", ", overflowing)}");
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var shots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, name + ".png"), FullPage = true });
    }

    [Fact]
    public async Task Quality_and_notifications_pages_show_checks_and_a_delivered_test()
    {
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("synthetic", new { count = 200 }));
        using (var run = await _host.Api.PostAsync("/api/quality/run", null))
            Assert.True(run.StatusCode == HttpStatusCode.OK, $"POST /api/quality/run answered {(int)run.StatusCode}: {await run.Content.ReadAsStringAsync()}");

        // The Overview: the source just ingested is fresh, the others never ran; no check fails.
        var page = await _host.OpenAsync(browser.Browser, "/", width: 1440);
        await Assertions.Expect(page.Locator("#source-freshness [data-source='synthetic']")).ToHaveAttributeAsync("data-freshness", "fresh");
        await Assertions.Expect(page.Locator("#source-freshness [data-source='synthetic']")).ToContainTextAsync("last success");
        await Assertions.Expect(page.Locator("#source-freshness [data-source='dummyjson']")).ToHaveAttributeAsync("data-freshness", "never");
        await Assertions.Expect(page.Locator("#failing-checks")).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "overview-sources");

        // /quality, from the nav: one row per check for the source with data, all passed.
        await page.Locator("a[href='/quality']").First.ClickAsync();
        await Assertions.Expect(page.Locator("#quality-latest-table tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#quality-latest-table [data-source='synthetic']")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#quality-latest-table [data-check-status='failed']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#quality-summary")).ToHaveTextAsync("all 5 passing");

        // A history filter goes into the address and narrows the list.
        await page.Locator(".mud-input-control.mud-select:has(#history-check)").ClickAsync(); // the id is on MudSelect's hidden input
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "valid-prices" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]check=valid-prices"));
        await Assertions.Expect(page.Locator("#quality-history-table [data-check='valid-prices']").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#quality-history-table [data-check]:not([data-check='valid-prices'])")).ToHaveCountAsync(0);
        await AssertTablesFitAsync(page, "/quality at 1440 px");
        await ScreenshotAsync(page, "quality");

        // /settings: the webhook without its secret; Send test reaches the receiver and shows as delivered.
        await page.Locator("a[href='/settings']").First.ClickAsync();
        var hook = page.Locator("#webhooks-table tbody tr").First;
        await Assertions.Expect(hook.Locator("[data-url]")).ToHaveTextAsync(_receiver.Url.ToString());
        await Assertions.Expect(hook.Locator("[data-signed]")).ToHaveAttributeAsync("data-signed", "true");
        Assert.DoesNotContain(Secret, await page.ContentAsync(), StringComparison.Ordinal);

        await hook.Locator("[data-action=test]").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "Test delivery queued" })).ToBeVisibleAsync();
        var test = page.Locator("#deliveries-table tbody tr", new() { Has = page.Locator("[data-type='test']") });
        await Assertions.Expect(test.Locator("[data-delivery-status]")).ToHaveAttributeAsync("data-delivery-status", "delivered");
        await Assertions.Expect(test.Locator("[data-attempts]")).ToHaveTextAsync("1");
        var received = Assert.Single(_receiver.Requests);
        Assert.Equal("test", received.Type);
        await AssertTablesFitAsync(page, "/settings at 1440 px");
        await ScreenshotAsync(page, "notifications");

        // A phone: no page scrolls sideways.
        var phone = await _host.OpenAsync(browser.Browser, "/", width: 390, height: 844);
        await Assertions.Expect(phone.Locator("#source-freshness [data-freshness]")).ToHaveCountAsync(3);
        await BrowserHost.AssertNoSidewaysScrollAsync(phone, "/ at 390 px");
        await phone.GotoAsync(_host.BaseUrl + "/quality");
        await Assertions.Expect(phone.Locator("#quality-latest-table tbody tr").First).ToBeVisibleAsync();
        await BrowserHost.AssertNoSidewaysScrollAsync(phone, "/quality at 390 px");
        await ScreenshotAsync(phone, "quality-phone");
        await phone.GotoAsync(_host.BaseUrl + "/settings");
        await Assertions.Expect(phone.Locator("#deliveries-table [data-type='test']")).ToBeVisibleAsync();
        await BrowserHost.AssertNoSidewaysScrollAsync(phone, "/settings at 390 px");
        await ScreenshotAsync(phone, "notifications-phone");
        await Assertions.Expect(phone.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }
}
