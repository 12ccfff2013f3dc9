using System.Net.Http.Json;
using Microsoft.Playwright;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Browser;

/// <summary>
/// The operator walk-through's findings, in a real browser against the real host: the raw preview comes into view on a
/// click, the overview fits a phone, an unknown address gets the not-found page, /hangfire asks a signed-out browser to
/// sign in, and the nav and favicon are there.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CockpitFixesBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private BrowserHost _host = null!;

    public async Task InitializeAsync() => _host = await BrowserHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<IPage> NewPageAsync(int width = 1366, int height = 900) => _host.PageAsync(browser.Browser, width, height);

    private Task<IPage> SignedInAsync(int width = 1366, int height = 900) => _host.OpenAsync(browser.Browser, "/", width, height);

    [Theory]
    [InlineData(1366, 900)] // beside the list
    [InlineData(390, 844)]  // below the list, scrolled to
    public async Task A_click_far_down_the_raw_objects_brings_the_preview_into_view(int width, int height)
    {
        await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("synthetic", new { count = 300, pageSize = 5 }), andRefresh: false); // 60 pages
        var run = (await _host.Api.GetFromJsonAsync<ItemsResponse<RunDto>>("/api/ingestions", ApiCalls.Json))!.Items.Single();
        var page = await SignedInAsync(width, height);
        await page.GotoAsync($"{_host.BaseUrl}/raw?source=synthetic&date={run.CreatedAt.UtcDateTime:yyyy-MM-dd}&run={run.RunId}");
        var rows = page.Locator("#raw-objects tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(RawZonePageSize);

        var name = (await rows.Nth(45).Locator("[data-key]").TextContentAsync())!.Trim();
        await rows.Nth(45).ClickAsync();

        await Assertions.Expect(page.Locator("#raw-preview-text")).ToContainTextAsync("\"products\"");
        await Assertions.Expect(page.Locator("#raw-preview-title")).ToContainTextAsync(name);
        await Assertions.Expect(page.Locator("#raw-preview-title")).ToBeInViewportAsync();
    }

    private const int RawZonePageSize = Pipeline.Web.Components.Pages.RawZone.ObjectPageSize;

    [Fact]
    public async Task The_overview_fits_a_phone_and_its_header_items_do_not_overlap()
    {
        var page = await SignedInAsync(390, 844);
        await Assertions.Expect(page.Locator("#run-ingestion")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#backends [data-backend]").First).ToBeVisibleAsync();

        var (scrollWidth, clientWidth) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"),
            await page.EvaluateAsync<int>("() => document.documentElement.clientWidth"));
        Assert.True(scrollWidth <= clientWidth, $"the overview is {scrollWidth}px wide on a {clientWidth}px phone screen");

        var header = new List<(string Name, LocatorBoundingBoxResult Box)>();
        foreach (var selector in new[] { ".mud-appbar .mud-icon-button", ".mud-appbar .mud-typography-h6", "#signed-in-user", "#sign-out" })
            header.Add((selector, (await page.Locator(selector).First.BoundingBoxAsync())!));
        foreach (var (name, box) in header)
            Assert.True(box.X >= 0 && box.X + box.Width <= clientWidth, $"{name} is outside the screen: x={box.X}, width={box.Width}");
        for (var i = 0; i < header.Count; i++)
            for (var j = i + 1; j < header.Count; j++)
            {
                var (a, b) = (header[i].Box, header[j].Box);
                var overlap = a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;
                Assert.False(overlap, $"{header[i].Name} overlaps {header[j].Name}");
            }
    }

    [Fact]
    public async Task An_unknown_address_shows_the_not_found_page()
    {
        var page = await SignedInAsync();

        var response = await page.GotoAsync(_host.BaseUrl + "/no-such-page");

        Assert.Equal(404, response!.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"]);
        await Assertions.Expect(page.Locator("#not-found-title")).ToHaveTextAsync("Page not found");
        await Assertions.Expect(page.Locator("#not-found-path")).ToHaveTextAsync("/no-such-page");
        await page.Locator("#not-found-home").ClickAsync();
        await Assertions.Expect(page.Locator("#overview-title")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_signed_out_browser_on_hangfire_is_sent_to_sign_in()
    {
        var page = await NewPageAsync();

        await page.GotoAsync(_host.BaseUrl + "/hangfire");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/sign-in\\?ReturnUrl=%2Fhangfire"));
        await Assertions.Expect(page.Locator("#user-name")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_nav_leads_to_hangfire_and_the_page_has_a_favicon()
    {
        var page = await SignedInAsync();
        var icon = await page.Locator("link[rel=icon]").GetAttributeAsync("href");
        var favicon = await page.APIRequest.GetAsync(new Uri(new Uri(_host.BaseUrl + "/"), icon).ToString());
        Assert.Equal(200, favicon.Status);
        Assert.StartsWith("image/svg+xml", favicon.Headers["content-type"]);

        await page.Locator("#nav-hangfire").ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/hangfire$"));
        await Assertions.Expect(page.Locator("text=Pipeline jobs").First).ToBeVisibleAsync();
    }
}
