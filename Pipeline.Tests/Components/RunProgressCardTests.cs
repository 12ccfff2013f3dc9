using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Web.Components.Shared;

namespace Pipeline.Tests.Components;

/// <summary>The live progress card, over the real SQLite run store.</summary>
public sealed class RunProgressCardTests : MudTestContext
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteRunStore _runs;

    public RunProgressCardTests()
    {
        _runs = new SqliteRunStore(new SqliteDatabase(Path.Combine(_dir, "store.db")));
        _runs.EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
        Services.AddSingleton<IRunStore>(_runs);
        Services.AddSingleton<IRefreshStore>(_runs);
    }

    private Task<string> CreateRunAsync(RunStatus status, params CounterDelta[] deltas) => CreateRunAsync(status, "api", deltas);

    private async Task<string> CreateRunAsync(RunStatus status, string trigger, params CounterDelta[] deltas)
    {
        var run = new IngestionRun
        {
            RunId = $"r-{Guid.NewGuid():N}"[..12], Source = "synthetic", Status = RunStatus.Queued, CreatedAt = DateTimeOffset.UtcNow, Trigger = trigger,
        };
        await _runs.TryCreateRunAsync(run, CancellationToken.None);
        await _runs.IncrementAsync(run.RunId, deltas, CancellationToken.None);
        if (status == RunStatus.Running) await _runs.SetStatusAsync(run.RunId, status, CancellationToken.None);
        else if (status.IsTerminal()) await _runs.EndAsync(run.RunId, status, status == RunStatus.Failed ? "boom: source unreachable" : null, DateTimeOffset.UtcNow, CancellationToken.None);
        return run.RunId;
    }

    [Fact]
    public async Task Shows_each_stage_counter_and_the_status()
    {
        var runId = await CreateRunAsync(RunStatus.Running,
            new CounterDelta(Counter.TasksPublished, 10), new CounterDelta(Counter.PagesFetched, 4), new CounterDelta(Counter.RawObjects, 4),
            new CounterDelta(Counter.ProductsParsed, 300), new CounterDelta(Counter.ProductsUpserted, 290), new CounterDelta(Counter.ProductsRejected, 10));

        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, runId).Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        await card.WaitForStateAsync(() => card.FindAll("[data-counter]").Count > 0);
        Assert.Equal("10", card.Find("[data-counter=tasksPublished]").TextContent);
        Assert.Equal("4", card.Find("[data-counter=pagesFetched]").TextContent);
        Assert.Equal("290", card.Find("[data-counter=productsUpserted]").TextContent);
        Assert.Equal("10", card.Find("[data-counter=productsRejected]").TextContent);
        Assert.Equal("running", card.Find("[data-status]").GetAttribute("data-status"));
        Assert.Contains("4 / 10 pages", card.Markup);
    }

    [Fact]
    public async Task A_replay_shows_the_pages_and_bytes_it_read_as_its_progress()
    {
        var runId = await CreateRunAsync(RunStatus.Running, RunTriggers.Replay,
            new CounterDelta(Counter.TasksPublished, 8), new CounterDelta(Counter.PagesRead, 6), new CounterDelta(Counter.BytesRead, 3 * 1024 * 1024),
            new CounterDelta(Counter.PagesTransformed, 6), new CounterDelta(Counter.ProductsUnchanged, 600));

        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, runId).Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        await card.WaitForStateAsync(() => card.FindAll("[data-counter]").Count > 0);
        Assert.Equal(("6", "3.0 MiB"), (card.Find("[data-counter=pagesRead]").TextContent, card.Find("[data-counter=bytesRead]").TextContent));
        Assert.Empty(card.FindAll("[data-counter=pagesFetched]"));
        Assert.Contains("Read: 6 / 8 pages", card.Markup);
        Assert.Contains("Transform: 6 / 6 raw pages", card.Markup);
    }

    [Fact]
    public async Task Updates_without_a_reload_while_the_run_goes_on()
    {
        var runId = await CreateRunAsync(RunStatus.Running, new CounterDelta(Counter.TasksPublished, 2));
        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, runId).Add(x => x.RefreshInterval, TimeSpan.FromMilliseconds(20)));
        await card.WaitForStateAsync(() => card.FindAll("[data-counter=pagesFetched]").Count == 1);

        await _runs.IncrementAsync(runId, [new CounterDelta(Counter.PagesFetched, 2)], CancellationToken.None);

        await card.WaitForAssertionAsync(() => Assert.Equal("2", card.Find("[data-counter=pagesFetched]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_failed_run_shows_its_error()
    {
        var runId = await CreateRunAsync(RunStatus.Failed);

        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, runId));

        await card.WaitForAssertionAsync(() => Assert.Contains("boom: source unreachable", card.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal("failed", card.Find("[data-status]").GetAttribute("data-status"));
    }

    private async Task AddRefreshAsync(string runId, RunStatus status, string? error, params RefreshAttempt[] attempts)
    {
        var now = DateTimeOffset.UtcNow;
        var refresh = new WarehouseRefresh
        {
            RefreshId = $"wr-{Guid.NewGuid():N}"[..14], Status = status, CreatedAt = now, Trigger = $"run:{runId}", Error = error,
            Attempts = attempts, FinishedAt = status.IsTerminal() ? now : null, NextAttemptAt = status.IsTerminal() ? null : now.AddMinutes(1),
            ProductsLoaded = status == RunStatus.Succeeded ? 290 : 0, ObservationsLoaded = status == RunStatus.Succeeded ? 290 : 0,
        };
        await _runs.CreateRefreshAsync(refresh, CancellationToken.None);
    }

    [Fact]
    public async Task A_run_whose_refresh_failed_does_not_look_healthy()
    {
        var runId = await CreateRunAsync(RunStatus.Succeeded, new CounterDelta(Counter.ProductsUpserted, 290));
        var start = DateTimeOffset.UtcNow.AddMinutes(-2);
        await AddRefreshAsync(runId, RunStatus.Failed, "failed after 2 attempts; last: DuckDbWarehouseException: The warehouse file x is locked",
            new RefreshAttempt(1, start, start.AddSeconds(5), "failed", "IOException: disk"),
            new RefreshAttempt(2, start.AddSeconds(20), start.AddSeconds(25), "failed", "DuckDbWarehouseException: The warehouse file x is locked"));

        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, runId));

        await card.WaitForAssertionAsync(() => Assert.Equal("failed", card.Find("#run-refresh").GetAttribute("data-refresh-status")), TimeSpan.FromSeconds(10));
        Assert.Equal("succeeded", card.Find("[data-status]").GetAttribute("data-status"));
        var alert = card.Find("#run-refresh-error").TextContent;
        Assert.Contains("The warehouse refresh failed after 2 attempts", alert);
        Assert.Contains("The warehouse file x is locked", alert);
        Assert.Contains("attempt 2", card.Find("#run-refresh").TextContent);
    }

    [Fact]
    public async Task A_refresh_waiting_for_its_retry_says_when_and_the_card_follows_it_to_its_end()
    {
        var runId = await CreateRunAsync(RunStatus.Succeeded, new CounterDelta(Counter.ProductsUpserted, 290));
        var start = DateTimeOffset.UtcNow;
        await AddRefreshAsync(runId, RunStatus.Running, "IOException: disk", new RefreshAttempt(1, start, start, "failed", "IOException: disk"));
        var finished = new TaskCompletionSource<WarehouseRefresh>();

        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, runId).Add(x => x.RefreshInterval, TimeSpan.FromMilliseconds(20))
            .Add(x => x.OnRefreshFinished, r => { finished.TrySetResult(r); }));
        await card.WaitForAssertionAsync(() => Assert.Contains("Attempt 1 failed (IOException: disk); retrying at", card.Find("#run-refresh-retry").TextContent),
            TimeSpan.FromSeconds(10));

        var refresh = (await _runs.GetLatestRefreshAsync($"run:{runId}", CancellationToken.None))!;
        await _runs.UpdateRefreshAsync(refresh with
        {
            Status = RunStatus.Succeeded, Error = null, NextAttemptAt = null, FinishedAt = DateTimeOffset.UtcNow, ProductsLoaded = 290_000, ObservationsLoaded = 1_290_000,
            Attempts = [.. refresh.Attempts, new RefreshAttempt(2, start, start, "succeeded", null)],
        }, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, (await finished.Task.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        await card.WaitForAssertionAsync(() => Assert.Contains("290,000 products, 1,290,000 observations loaded", card.Find("#run-refresh").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.Empty(card.FindAll("#run-refresh-retry"));
    }

    [Fact]
    public async Task An_unknown_run_says_so()
    {
        var card = Render<RunProgressCard>(p => p.Add(x => x.RunId, "missing-run"));

        await card.WaitForAssertionAsync(() => Assert.Contains("Run missing-run was not found.", card.Markup), TimeSpan.FromSeconds(10));
    }
}
