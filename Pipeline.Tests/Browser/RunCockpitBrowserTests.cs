using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Browser;

/// <summary>
/// The run page as an operator uses it after a run went wrong, in a real browser against the real host: the timeline,
/// the event log with the failed page and its retries (filtered), Retry (only that page, then success), Re-run; the runs
/// list filtered by the URL; and both pages at a phone's width without sideways scrolling of the page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RunCockpitBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Page3 = "/dummyjson/products?limit=30&skip=60";
    private BrowserHost _host = null!;

    public async Task InitializeAsync() => _host = await BrowserHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<IPage> OpenAsync(string path, int width = 1440, int height = 900) => _host.OpenAsync(browser.Browser, path, width, height);

    [Fact]
    public async Task A_failed_page_is_diagnosed_on_the_run_page_retried_to_success_and_the_run_re_run()
    {
        for (var i = 0; i < 4; i++) _host.Catalog.Enqueue(Fault.Status(Page3, 503));
        var run = await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("dummyjson"));
        Assert.Equal("partiallySucceeded", run.Status);

        var page = await OpenAsync($"/runs/{run.RunId}");
        await Assertions.Expect(page.Locator("[data-status]").First).ToHaveAttributeAsync("data-status", "partiallySucceeded");
        await Assertions.Expect(page.Locator("#cancel-run")).ToHaveCountAsync(0); // an ended run cannot be cancelled
        foreach (var stage in new[] { "plan", "fetch", "transform", "refresh" })
        {
            var row = page.Locator($"#run-timeline [data-stage={stage}]");
            await Assertions.Expect(row).ToHaveAttributeAsync("data-finished", new Regex(@"^\d{4}-"));
            await Assertions.Expect(row.Locator(".run-timeline-bar")).ToBeVisibleAsync();
        }
        var events = page.Locator("#events-table tbody tr");
        await Assertions.Expect(page.Locator("#events-table [data-level=error]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#events-table [data-level=warning]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#events-table")).ToContainTextAsync("Page 3 (skip 60) quarantined");
        await Assertions.Expect(page.Locator("#events-table")).ToContainTextAsync("503");

        // Filtered to errors (the URL carries the filter), only the failed page's line is left.
        await page.GotoAsync($"{_host.BaseUrl}/runs/{run.RunId}?level=error");
        await Assertions.Expect(events).ToHaveCountAsync(1);
        await Assertions.Expect(events.First).ToContainTextAsync("quarantined");

        await page.Locator("#retry-run").ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(run.RunId)));
        var retryId = page.Url.Split('/').Last().Split('?')[0];
        var retry = await _host.Api.WaitForRunAsync(retryId);
        Assert.Equal(("succeeded", "retry", 1L), (retry.Status, retry.Trigger, retry.Stages.PagesFetched));
        await Assertions.Expect(page.Locator("[data-trigger]").First).ToContainTextAsync("retry");
        await Assertions.Expect(page.Locator("#parent-run")).ToHaveTextAsync(run.RunId);
        await Assertions.Expect(page.Locator("[data-status]").First).ToHaveAttributeAsync("data-status", "succeeded");
        await Assertions.Expect(page.Locator("#retry-run")).ToHaveCountAsync(0); // nothing failed in it

        await page.Locator("#rerun-run").ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(retryId)));
        var rerun = await _host.Api.WaitForRunAsync(page.Url.Split('/').Last().Split('?')[0]);
        Assert.Equal(("succeeded", "rerun", retryId), (rerun.Status, rerun.Trigger, rerun.ParentRunId));
        Assert.Equal(7, rerun.Stages.PagesFetched); // the whole plan, not the retry's one page
    }

    [Fact]
    public async Task The_runs_list_filters_through_the_URL_and_fits_a_phone()
    {
        var first = (await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("synthetic", new { count = 40 }), andRefresh: false)).RunId;
        var fake = (await _host.Api.WaitForRunAsync(await _host.Api.StartRunAsync("fakestore"), andRefresh: false)).RunId;

        var page = await OpenAsync("/runs");
        var rows = page.Locator("#runs-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        // One line per run at 1440 px: every row as high as the first, and no cell wraps.
        var heights = await rows.EvaluateAllAsync<double[]>("rs => rs.map(r => r.getBoundingClientRect().height)");
        Assert.All(heights, h => Assert.True(h < 60, $"a row is {h} px high: something wraps"));

        await page.Locator(".mud-input-control.mud-select:has(#filter-source)").ClickAsync(); // the id is on MudSelect's hidden input
        await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = "fakestore" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("source=fakestore"));
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(fake);

        // The URL alone restores the filter (a bookmark, a link in a message).
        await page.GotoAsync(_host.BaseUrl + "/runs?source=synthetic&status=succeeded");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(first);
        await page.GotoAsync(_host.BaseUrl + "/runs?status=failed");
        await Assertions.Expect(page.Locator("#runs-table")).ToContainTextAsync("No run matches these filters.");

        var phone = await OpenAsync("/runs", width: 390, height: 844);
        await Assertions.Expect(phone.Locator("#runs-table")).ToContainTextAsync(first);
        await BrowserHost.AssertNoSidewaysScrollAsync(phone, "/runs at 390 px");
        await phone.GotoAsync($"{_host.BaseUrl}/runs/{first}");
        await Assertions.Expect(phone.Locator("#run-timeline")).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator("#events-table tbody tr").First).ToBeVisibleAsync();
        await BrowserHost.AssertNoSidewaysScrollAsync(phone, "a run page at 390 px");
        await BrowserHost.AssertLabelsUnbrokenAsync(phone, "a run page at 390 px");
    }
}
