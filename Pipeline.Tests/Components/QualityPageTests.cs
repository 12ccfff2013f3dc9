using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Pipeline.Core.Domain;
using Pipeline.Web.Components.Pages;

namespace Pipeline.Tests.Components;

/// <summary>/quality over the real SQLite quality store, the real data checks and the DuckDB warehouse.</summary>
public sealed class QualityPageTests : MudTestContext
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly PageBackends _backends = new();

    public QualityPageTests() => Services.AddTrustSignals(_backends);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    private static CheckResult Result(string check, string source, CheckStatus status, TimeSpan ago, string observed = "0 products") =>
        new(check, source, status, observed, "none", Now - ago, status == CheckStatus.Failed ? null : "wr-1");

    /// <summary>Two rounds of results an hour apart: unique-ids on dummyjson turned failed, valid-prices recovered.</summary>
    private Task SeedAsync() => _backends.Runs.RecordChecksAsync(
    [
        Result(DataCheckNames.UniqueIds, "dummyjson", CheckStatus.Passed, TimeSpan.FromHours(2)),
        Result(DataCheckNames.ValidPrices, "dummyjson", CheckStatus.Failed, TimeSpan.FromHours(2), "2 products with a null or negative price"),
        Result(DataCheckNames.Reconciliation, "fakestore", CheckStatus.Passed, TimeSpan.FromHours(2)),
        Result(DataCheckNames.UniqueIds, "dummyjson", CheckStatus.Failed, TimeSpan.FromHours(1), "3 product ids held by more than one row"),
        Result(DataCheckNames.ValidPrices, "dummyjson", CheckStatus.Passed, TimeSpan.FromHours(1)),
    ], CancellationToken.None);

    private IRenderedComponent<Quality> RenderQuality(string uri = "/quality") =>
        this.RenderAt<Quality>(uri, p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

    private static List<(string Source, string Check, string Status)> Rows(IRenderedComponent<Quality> page, string table) =>
        page.FindAll($"#{table} tbody tr").Select(tr => (
            tr.QuerySelector("[data-source]")!.TextContent.Trim(), tr.QuerySelector("[data-check]")!.TextContent.Trim(),
            tr.QuerySelector("[data-check-status]")!.GetAttribute("data-check-status")!)).ToList();

    [Fact]
    public async Task Shows_the_latest_result_of_each_check_and_source_with_failed_ones_marked()
    {
        await SeedAsync();
        var page = RenderQuality();

        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("#quality-latest-table tbody tr").Count));
        Assert.Equal(
            [("dummyjson", "unique-ids", "failed"), ("dummyjson", "valid-prices", "passed"), ("fakestore", "reconciliation", "passed")],
            Rows(page, "quality-latest-table"));
        var failed = page.FindAll("#quality-latest-table tbody tr")[0];
        Assert.Contains("quality-failed", failed.ClassName);
        Assert.Contains("3 product ids held by more than one row", failed.TextContent);
        Assert.Equal("1 h ago", failed.QuerySelector("time")!.TextContent);
        Assert.DoesNotContain("quality-failed", page.FindAll("#quality-latest-table tbody tr")[1].ClassName);
        Assert.Equal("1 of 3 failing", page.Find("#quality-summary").TextContent.Trim());
        Assert.Empty(page.FindAll("#quality-empty"));

        // The history holds every result, newest first.
        var history = Rows(page, "quality-history-table");
        Assert.Equal(5, history.Count);
        Assert.Equal(("dummyjson", "unique-ids", "failed"), history.First(r => r.Check == "unique-ids"));
        Assert.Equal(("dummyjson", "valid-prices", "failed"), history.Last(r => r.Check == "valid-prices"));
    }

    [Fact]
    public async Task History_filters_are_read_from_and_written_to_the_address()
    {
        await SeedAsync();
        var page = RenderQuality("/quality?check=valid-prices&source=dummyjson");

        await page.WaitForAssertionAsync(() => Assert.Equal(2, page.FindAll("#quality-history-table tbody tr").Count));
        Assert.All(Rows(page, "quality-history-table"), r => Assert.Equal(("dummyjson", "valid-prices"), (r.Source, r.Check)));
        Assert.Equal(["passed", "failed"], Rows(page, "quality-history-table").Select(r => r.Status)); // newest first
        Assert.Equal(3, page.FindAll("#quality-latest-table tbody tr").Count); // the current state is never filtered

        // Choosing another check keeps the source in the address.
        var checkSelect = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Check");
        await page.InvokeAsync(() => checkSelect.Instance.ValueChanged.InvokeAsync(DataCheckNames.Reconciliation));
        var uri = new Uri(Services.GetRequiredService<NavigationManager>().Uri);
        Assert.Equal("/quality?check=reconciliation&source=dummyjson", uri.PathAndQuery);

        var none = RenderQuality(uri.PathAndQuery);
        await none.WaitForAssertionAsync(() => Assert.Contains("No result matches these filters.", none.Find("#quality-history-table").TextContent));

        var fakestore = RenderQuality("/quality?source=fakestore");
        await fakestore.WaitForAssertionAsync(() => Assert.Equal([("fakestore", "reconciliation", "passed")], Rows(fakestore, "quality-history-table")));
        fakestore.Find("#history-clear").Click();
        Assert.Equal("/quality", new Uri(Services.GetRequiredService<NavigationManager>().Uri).PathAndQuery);
    }

    [Fact]
    public async Task Before_any_check_ran_the_page_says_when_they_run()
    {
        var page = RenderQuality();

        await page.WaitForAssertionAsync(() => Assert.Contains("Checks run after every warehouse refresh", page.Find("#quality-empty").TextContent));
        Assert.Contains("Run checks now", page.Find("#quality-empty").TextContent);
        Assert.Empty(page.FindAll("#quality-latest-table"));
        Assert.Contains("No result yet.", page.Find("#quality-history-table").TextContent);
    }

    [Fact]
    public async Task Run_checks_now_records_every_check_for_each_source_with_data()
    {
        // Three products in the store and the warehouse, then a fourth in the store only: the counts no longer reconcile.
        await _backends.UpsertAsync([.. Enumerable.Range(1, 3).Select(i => PageBackends.Product("dummyjson", i, $"Item {i}", "phones", 10 + i))],
            "run-1", Now.AddMinutes(-10));
        await _backends.LoadWarehouseAsync();
        await _backends.UpsertAsync([PageBackends.Product("dummyjson", 4, "Item 4", "phones", 14)], "run-2", Now.AddMinutes(-5));
        await _backends.AddRunAsync("dummyjson", RunStatus.Succeeded);
        var page = RenderQuality();
        await page.WaitForAssertionAsync(() => page.Find("#quality-empty"));

        page.Find("#quality-run").Click();

        await page.WaitForAssertionAsync(() => Assert.Equal(DataCheckNames.All.Count, page.FindAll("#quality-latest-table tbody tr").Count));
        var rows = Rows(page, "quality-latest-table");
        Assert.Equal(("dummyjson", "reconciliation", "failed"), rows.Single(r => r.Check == "reconciliation"));
        Assert.All(rows.Where(r => r.Check != "reconciliation"), r => Assert.Equal("passed", r.Status));
        var stored = await _backends.Runs.LatestChecksAsync(CancellationToken.None);
        Assert.Equal(DataCheckNames.All.Order(StringComparer.Ordinal), stored.Select(r => r.Check).Order(StringComparer.Ordinal));
        Assert.All(stored, r => Assert.Null(r.RefreshId)); // run on demand, not after a refresh
        Assert.Equal("1 of 5 checks failed.", Assert.Single(Services.GetRequiredService<ISnackbar>().ShownSnackbars).Message);
        Assert.Equal(5, page.FindAll("#quality-history-table tbody tr").Count);
        Assert.Equal("on demand", page.Find("#quality-history-table tbody tr td:last-child").TextContent.Trim());
    }
}
