using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>
/// Lineage and replay as an operator uses them, in a real browser against the real host: from a product to the raw
/// record it was made from (highlighted in the page's preview) and back; Replay on a run's page and on /raw, each
/// opening the replay's run (trigger replay, nothing fetched).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReplayBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private BrowserHost _host = null!;

    public async Task InitializeAsync() => _host = await BrowserHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string RunIdOf(IPage page) => page.Url.Split('/').Last().Split('?')[0];

    [Fact]
    public async Task A_product_links_to_its_raw_record_highlighted_in_the_preview_which_links_back_to_the_product()
    {
        _host.Catalog.DummyProducts[40]!["price"] = 77.25m;
        var run = await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("dummyjson"));

        var page = await _host.OpenAsync(browser.Browser, "/products/dummyjson:41");
        var lineage = page.Locator("#product-lineage");
        await Assertions.Expect(lineage).ToContainTextAsync("record 10 of page-000002.json");
        await Assertions.Expect(page.Locator("#price-history-table [data-raw-key]")).ToHaveAttributeAsync("data-raw-key", new Regex($"run={run.RunId}/page-000002\\.json$"));
        await lineage.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/raw\?.*record=10"));
        var rawPreview = new Uri(page.Url).PathAndQuery;
        var record = page.Locator("#raw-record");
        await Assertions.Expect(record).ToBeVisibleAsync();
        await Assertions.Expect(record).ToContainTextAsync("Record 10");
        await Assertions.Expect(page.Locator("#raw-record-text")).ToContainTextAsync("\"id\": 41");
        await Assertions.Expect(page.Locator("#raw-record-text")).ToContainTextAsync("77.25");
        await page.Locator("#raw-records-panel").ClickAsync();
        await Assertions.Expect(page.Locator("#raw-records tr[data-record]")).ToHaveCountAsync(30);
        await Assertions.Expect(page.Locator("#raw-records tr[data-record='10']")).ToHaveClassAsync(new Regex("mud-theme-warning"));

        await page.Locator("#raw-record-product").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/products/dummyjson(:|%3A)41$"));
        await Assertions.Expect(page.Locator("#product-title")).ToBeVisibleAsync();

        // The same preview on a phone: nothing wider than the screen, no label broken mid-word ("Fetched", "Size").
        var phone = await _host.OpenAsync(browser.Browser, rawPreview, width: 390, height: 844);
        await Assertions.Expect(phone.Locator("#raw-record")).ToContainTextAsync("Record 10");
        await BrowserHost.AssertNoSidewaysScrollAsync(phone, "/raw at 390 px");
        await BrowserHost.AssertLabelsUnbrokenAsync(phone, "/raw at 390 px");
    }

    [Fact]
    public async Task Replay_from_a_run_page_and_from_the_raw_zone_opens_the_replay_run()
    {
        var run = await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("dummyjson"));
        var hits = _host.Catalog.TotalHits;

        var page = await _host.OpenAsync(browser.Browser, $"/runs/{run.RunId}");
        await page.Locator("#replay-run").ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(run.RunId)));
        var replay = await _host.Api.WaitForRunAsync(RunIdOf(page));
        Assert.Equal(("succeeded", "replay", 7L, 0L, run.RunId), (replay.Status, replay.Trigger, replay.Stages.PagesRead, replay.Stages.PagesFetched, replay.ParentRunId));
        await Assertions.Expect(page.Locator("[data-trigger]").First).ToContainTextAsync("replay");
        await Assertions.Expect(page.Locator("#replay-run")).ToHaveCountAsync(0); // a replay's own page offers Re-run instead

        var date = run.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd");
        await page.GotoAsync($"{_host.BaseUrl}/raw?source=dummyjson&date={date}");
        await page.Locator("#replay-date").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/"));
        var byDate = await _host.Api.WaitForRunAsync(RunIdOf(page));
        Assert.Equal(("replay", 7L, date, date), (byDate.Trigger, byDate.Stages.PagesRead, byDate.Options["from"], byDate.Options["to"]));

        // A range with no raw page says so and stays.
        await page.GotoAsync($"{_host.BaseUrl}/raw?source=dummyjson");
        await page.Locator("input#replay-from, #replay-from input").First.FillAsync("2001-01-01");
        await page.Locator("input#replay-to, #replay-to input").First.FillAsync("2001-01-02");
        await page.Locator("#replay-source").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("holds no page");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/raw\?source=dummyjson$"));
        Assert.Equal(hits, _host.Catalog.TotalHits); // no replay fetched anything
    }
}
