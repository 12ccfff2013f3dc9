using Bunit;
using Pipeline.Core.Domain;
using Pipeline.Core.Stages;
using Pipeline.Web.Components.Shared;

namespace Pipeline.Tests.Components;

/// <summary>
/// The Overview's trust signals: the Sources card (the real freshness service over the SQLite run store, limits from
/// configuration) and the failing-checks alert (the SQLite quality store).
/// </summary>
public sealed class OverviewFreshnessTests : MudTestContext
{
    private readonly PageBackends _backends = new();

    public OverviewFreshnessTests() => Services.AddTrustSignals(_backends, new Dictionary<string, string?>
    {
        ["Pipeline:Sources:DummyJson:FreshnessMaxAge"] = "12:00:00",
        ["Pipeline:Sources:FakeStore:FreshnessMaxAge"] = "12:00:00",
    });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    /// <summary>A run of <paramref name="source"/> created and ended <paramref name="ago"/>.</summary>
    private async Task EndedRunAsync(string source, RunStatus status, TimeSpan ago)
    {
        var at = DateTimeOffset.UtcNow - ago;
        var run = new IngestionRun { RunId = RunIds.New(at), Source = source, Status = RunStatus.Queued, CreatedAt = at };
        await _backends.Runs.TryCreateRunAsync(run, CancellationToken.None);
        await _backends.Runs.EndAsync(run.RunId, status, null, at, CancellationToken.None);
    }

    private static AngleSharp.Dom.IElement Chip(IRenderedComponent<SourceFreshnessPanel> card, string source) => card.Find($"#source-freshness [data-source='{source}']");

    [Fact]
    public async Task Each_source_is_fresh_stale_or_never_by_its_last_success_and_its_limit()
    {
        await _backends.AddRunAsync("dummyjson", RunStatus.Succeeded);                  // ended just now: within 12 h
        await EndedRunAsync("fakestore", RunStatus.Succeeded, TimeSpan.FromDays(3));      // beyond 12 h
        await EndedRunAsync("fakestore", RunStatus.Failed, TimeSpan.FromHours(1));       // a later failure does not make it fresh
        await _backends.AddRunAsync("synthetic", RunStatus.Failed);                      // never succeeded

        var card = Render<SourceFreshnessPanel>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        await card.WaitForAssertionAsync(() => Assert.Equal(3, card.FindAll("#source-freshness [data-freshness]").Count));
        Assert.Equal("fresh", Chip(card, "dummyjson").GetAttribute("data-freshness"));
        Assert.Equal("dummyjson · fresh · last success just now", Normalize(Chip(card, "dummyjson").TextContent));
        Assert.StartsWith("limit 12 h · stale at ", Chip(card, "dummyjson").GetAttribute("data-limit"), StringComparison.Ordinal);
        Assert.Contains("mud-chip-color-success", Chip(card, "dummyjson").ClassName);

        Assert.Equal("stale", Chip(card, "fakestore").GetAttribute("data-freshness"));
        Assert.Equal("fakestore · stale · last success 3 d ago", Normalize(Chip(card, "fakestore").TextContent));
        Assert.StartsWith("limit 12 h · stale since ", Chip(card, "fakestore").GetAttribute("data-limit"), StringComparison.Ordinal);
        Assert.Contains("mud-chip-color-warning", Chip(card, "fakestore").ClassName);

        Assert.Equal("never", Chip(card, "synthetic").GetAttribute("data-freshness"));
        Assert.Equal("synthetic · never · no successful run yet", Normalize(Chip(card, "synthetic").TextContent));
        Assert.Equal("no limit (Pipeline:Sources:synthetic:FreshnessMaxAge)", Chip(card, "synthetic").GetAttribute("data-limit"));
        Assert.Contains("mud-chip-color-default", Chip(card, "synthetic").ClassName);

        // A new success makes the stale source fresh at the next read.
        await _backends.AddRunAsync("fakestore", RunStatus.PartiallySucceeded);
        await card.InvokeAsync(card.Instance.ReloadAsync);
        Assert.Equal("fresh", Chip(card, "fakestore").GetAttribute("data-freshness"));
    }

    [Fact]
    public async Task The_failing_checks_alert_shows_only_while_a_latest_check_failed()
    {
        var now = DateTimeOffset.UtcNow;
        CheckResult Result(string check, string source, CheckStatus status, TimeSpan ago) => new(check, source, status, "observed", "expected", now - ago);
        await _backends.Runs.RecordChecksAsync(
        [
            Result(DataCheckNames.UniqueIds, "dummyjson", CheckStatus.Failed, TimeSpan.FromHours(2)), // an old failure, passed since
            Result(DataCheckNames.UniqueIds, "dummyjson", CheckStatus.Passed, TimeSpan.FromHours(1)),
            Result(DataCheckNames.Reconciliation, "dummyjson", CheckStatus.Passed, TimeSpan.FromHours(1)),
        ], CancellationToken.None);

        var alert = Render<FailingChecksAlert>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));
        Assert.Empty(alert.FindAll("#failing-checks"));

        await _backends.Runs.RecordChecksAsync(
        [
            Result(DataCheckNames.ValidPrices, "fakestore", CheckStatus.Failed, TimeSpan.FromMinutes(5)),
            Result(DataCheckNames.Freshness, "dummyjson", CheckStatus.Failed, TimeSpan.FromMinutes(5)),
        ], CancellationToken.None);
        await alert.InvokeAsync(alert.Instance.ReloadAsync);

        var shown = alert.Find("#failing-checks");
        Assert.Equal("2", shown.GetAttribute("data-count"));
        Assert.Contains("mud-alert-text-error", shown.ClassName);
        Assert.Equal("2 data checks failing", shown.QuerySelector("a[href='/quality']")!.TextContent.Trim());
        Assert.Contains("freshness on dummyjson, valid-prices on fakestore", Normalize(shown.TextContent));

        await _backends.Runs.RecordChecksAsync(
        [
            Result(DataCheckNames.ValidPrices, "fakestore", CheckStatus.Passed, TimeSpan.Zero),
            Result(DataCheckNames.Freshness, "dummyjson", CheckStatus.Passed, TimeSpan.Zero),
        ], CancellationToken.None);
        await alert.InvokeAsync(alert.Instance.ReloadAsync);
        Assert.Empty(alert.FindAll("#failing-checks"));
    }

    private static string Normalize(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
}
