using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every run store must do (SQLite and DynamoDB alike) in each of its roles: run records (<see cref="IRunStore"/>),
/// idempotency markers, checkpoints, refresh records and run event logs. Derive once per implementation; each test gets a fresh, empty
/// store from <see cref="CreateRunStoreAsync"/> (already EnsureCreated).
/// </summary>
public abstract class RunStoreContractTests<TStore> : IAsyncLifetime
    where TStore : IRunStore, IIdempotencyMarkers, ICheckpointStore, IRefreshStore, IRunEventLog
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 6, 0, 0, 250, TimeSpan.Zero);

    /// <summary>A new, empty run store for one test.</summary>
    protected abstract Task<TStore> CreateRunStoreAsync();

    /// <summary>Lowers the store's bound on info and warning events (so that a test reaches it quickly).</summary>
    protected abstract void BoundEventLog(TStore store, int maxInfoAndWarningEvents);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static IngestionRun NewRun(string runId, string source = "dummyjson", DateTimeOffset? createdAt = null) => new()
    {
        RunId = runId,
        Source = source,
        Status = RunStatus.Queued,
        CreatedAt = createdAt ?? T0,
        Options = new Dictionary<string, string> { ["limit"] = "30", ["select"] = "title,price" },
        Trigger = "schedule",
    };

    private static CounterDelta[] Deltas(params (Counter Counter, long Delta)[] deltas) =>
        deltas.Select(d => new CounterDelta(d.Counter, d.Delta)).ToArray();

    /// <summary>A running run with planning complete and 2 fetch tasks published.</summary>
    private static async Task<IngestionRun> RunningRunAsync(TStore store, string runId)
    {
        var (run, created) = await store.TryCreateRunAsync(NewRun(runId), CancellationToken.None);
        Assert.True(created);
        await store.SetStatusAsync(run.RunId, RunStatus.Running, CancellationToken.None);
        await store.ApplyOnceAsync(run.RunId, "plan", Deltas((Counter.TasksPlanned, 2), (Counter.TasksPublished, 2)), CancellationToken.None);
        await store.MarkPlanningCompleteAsync(run.RunId, CancellationToken.None);
        return run;
    }

    private static async Task FetchAndTransformAsync(TStore store, string runId, int page, int rejected = 0)
    {
        Assert.True(await store.ApplyOnceAsync(runId, $"fetch:{page}",
            Deltas((Counter.PagesFetched, 1), (Counter.RawObjects, 1), (Counter.RawBytes, 1000)), CancellationToken.None));
        Assert.True(await store.ApplyOnceAsync(runId, $"transform:{page}",
            Deltas((Counter.PagesTransformed, 1), (Counter.ProductsParsed, 30), (Counter.ProductsUpserted, 30 - rejected),
                (Counter.ProductsRejected, rejected)), CancellationToken.None));
    }

    [Fact]
    public async Task A_created_run_reads_back_as_written()
    {
        var store = await CreateRunStoreAsync();
        var (run, created) = await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);

        Assert.True(created);
        var read = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(run.RunId, read.RunId);
        Assert.Equal("dummyjson", read.Source);
        Assert.Equal(RunStatus.Queued, read.Status);
        Assert.Equal(T0, read.CreatedAt);
        Assert.Null(read.StartedAt);
        Assert.Null(read.FinishedAt);
        Assert.False(read.PlanningComplete);
        Assert.Equal(StageCounters.Zero, read.Stages);
        Assert.Empty(read.Errors);
        Assert.Equal("schedule", read.Trigger);
        Assert.Equal(run.Options.OrderBy(kv => kv.Key), read.Options.OrderBy(kv => kv.Key));
        Assert.Null(await store.GetRunAsync("run-404", CancellationToken.None));
    }

    [Fact]
    public async Task A_second_run_of_a_source_with_an_active_run_is_refused_until_it_ends()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);

        var (existing, created) = await store.TryCreateRunAsync(NewRun("run-2", createdAt: T0.AddMinutes(1)), CancellationToken.None);
        var (other, otherCreated) = await store.TryCreateRunAsync(NewRun("run-3", source: "fakestore"), CancellationToken.None);

        Assert.False(created);
        Assert.Equal("run-1", existing.RunId);
        Assert.Null(await store.GetRunAsync("run-2", CancellationToken.None));
        Assert.True(otherCreated);
        Assert.Equal("run-3", other.RunId);

        Assert.True(await store.EndAsync("run-1", RunStatus.Cancelled, "cancelled by operator", T0.AddMinutes(2), CancellationToken.None));
        var (next, nextCreated) = await store.TryCreateRunAsync(NewRun("run-4", createdAt: T0.AddMinutes(3)), CancellationToken.None);
        Assert.True(nextCreated);
        Assert.Equal("run-4", next.RunId);
    }

    [Fact]
    public async Task Concurrent_creators_for_one_source_get_exactly_one_run()
    {
        var store = await CreateRunStoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            Task.Run(() => store.TryCreateRunAsync(NewRun($"run-{i}", createdAt: T0.AddSeconds(i)), CancellationToken.None))));

        var winner = Assert.Single(results, r => r.Created);
        Assert.All(results, r => Assert.Equal(winner.Run.RunId, r.Run.RunId));
        var listed = await store.ListRunsAsync(10, CancellationToken.None);
        Assert.Equal([winner.Run.RunId], listed.Select(r => r.RunId).ToList());
    }

    [Fact]
    public async Task ApplyOnce_applies_each_idempotency_key_once()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);
        var deltas = Deltas((Counter.PagesFetched, 1), (Counter.RawObjects, 1), (Counter.RawBytes, 2048));

        Assert.False(await store.WasAppliedAsync("run-1", "fetch:1", CancellationToken.None));
        Assert.True(await store.ApplyOnceAsync("run-1", "fetch:1", deltas, CancellationToken.None));
        Assert.False(await store.ApplyOnceAsync("run-1", "fetch:1", deltas, CancellationToken.None));
        Assert.True(await store.ApplyOnceAsync("run-1", "fetch:2", deltas, CancellationToken.None));
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            Task.Run(() => store.ApplyOnceAsync("run-1", "fetch:3", deltas, CancellationToken.None))));

        Assert.Single(concurrent, applied => applied);
        Assert.True(await store.WasAppliedAsync("run-1", "fetch:1", CancellationToken.None));
        Assert.False(await store.WasAppliedAsync("run-2", "fetch:1", CancellationToken.None));
        var run = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(run);
        Assert.Equal(3, run.Stages.PagesFetched);
        Assert.Equal(3, run.Stages.RawObjects);
        Assert.Equal(3 * 2048, run.Stages.RawBytes);
        Assert.Equal(0, run.Stages.PagesTransformed);
    }

    [Fact]
    public async Task Increments_from_many_writers_add_up_exactly()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            store.IncrementAsync("run-1", Deltas((Counter.ProductsParsed, 30), (Counter.PriceChanges, i % 2)), CancellationToken.None))));

        var run = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(run);
        Assert.Equal(600, run.Stages.ProductsParsed);
        Assert.Equal(10, run.Stages.PriceChanges);
    }

    [Fact]
    public async Task Status_running_sets_started_at_and_planning_completes()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);

        await store.SetStatusAsync("run-1", RunStatus.Running, CancellationToken.None);
        await store.MarkPlanningCompleteAsync("run-1", CancellationToken.None);

        var run = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(run);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.NotNull(run.StartedAt);
        Assert.True(run.PlanningComplete);
    }

    [Fact]
    public async Task TryFinish_waits_for_settled_counters_and_succeeds_only_once()
    {
        var store = await CreateRunStoreAsync();
        await RunningRunAsync(store, "run-1");
        var finishedAt = T0.AddMinutes(5);

        await FetchAndTransformAsync(store, "run-1", 1);
        Assert.Null(await store.TryFinishAsync("run-1", finishedAt, CancellationToken.None));
        Assert.True(await store.ApplyOnceAsync("run-1", "fetch:2", Deltas((Counter.PagesFetched, 1), (Counter.RawObjects, 1)), CancellationToken.None));
        Assert.Null(await store.TryFinishAsync("run-1", finishedAt, CancellationToken.None)); // page 2 not transformed yet
        Assert.True(await store.ApplyOnceAsync("run-1", "transform:2", Deltas((Counter.PagesTransformed, 1)), CancellationToken.None));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            Task.Run(() => store.TryFinishAsync("run-1", finishedAt, CancellationToken.None))));

        var finished = Assert.Single(attempts, r => r is not null);
        Assert.NotNull(finished);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        Assert.Equal(finishedAt, finished.FinishedAt);
        Assert.Equal(2, finished.Stages.PagesTransformed);
        Assert.Null(await store.TryFinishAsync("run-1", finishedAt, CancellationToken.None));
        Assert.False(await store.EndAsync("run-1", RunStatus.Failed, "too late", finishedAt, CancellationToken.None));
        var read = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(RunStatus.Succeeded, read.Status);
        Assert.Empty(read.Errors);
    }

    [Fact]
    public async Task TryFinish_does_nothing_before_planning_completes()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);
        await store.SetStatusAsync("run-1", RunStatus.Running, CancellationToken.None);

        Assert.Null(await store.TryFinishAsync("run-1", T0, CancellationToken.None)); // 0 of 0 tasks, but planning still going
        await store.MarkPlanningCompleteAsync("run-1", CancellationToken.None);
        var finished = await store.TryFinishAsync("run-1", T0, CancellationToken.None); // an empty catalog settles at once
        Assert.NotNull(finished);
        Assert.Equal(RunStatus.Succeeded, finished.Status);
    }

    [Fact]
    public async Task A_failed_page_makes_the_run_partially_succeeded()
    {
        var store = await CreateRunStoreAsync();
        await RunningRunAsync(store, "run-1");
        await FetchAndTransformAsync(store, "run-1", 1);
        await store.ApplyOnceAsync("run-1", "fetch:2", Deltas((Counter.PagesFailed, 1)), CancellationToken.None);

        var finished = await store.TryFinishAsync("run-1", T0.AddMinutes(1), CancellationToken.None);

        Assert.NotNull(finished);
        Assert.Equal(RunStatus.PartiallySucceeded, finished.Status);
    }

    [Fact]
    public async Task Rejected_records_make_the_run_partially_succeeded()
    {
        var store = await CreateRunStoreAsync();
        await RunningRunAsync(store, "run-1");
        await FetchAndTransformAsync(store, "run-1", 1);
        await FetchAndTransformAsync(store, "run-1", 2, rejected: 2);

        var finished = await store.TryFinishAsync("run-1", T0.AddMinutes(1), CancellationToken.None);

        Assert.NotNull(finished);
        Assert.Equal(RunStatus.PartiallySucceeded, finished.Status);
        Assert.Equal(2, finished.Stages.ProductsRejected);
    }

    [Fact]
    public async Task A_recorded_error_makes_the_run_partially_succeeded()
    {
        var store = await CreateRunStoreAsync();
        await RunningRunAsync(store, "run-1");
        await FetchAndTransformAsync(store, "run-1", 1);
        await FetchAndTransformAsync(store, "run-1", 2);
        await store.AddErrorAsync("run-1", "page 2: unexpected envelope", CancellationToken.None);

        var finished = await store.TryFinishAsync("run-1", T0.AddMinutes(1), CancellationToken.None);

        Assert.NotNull(finished);
        Assert.Equal(RunStatus.PartiallySucceeded, finished.Status);
        Assert.Equal(["page 2: unexpected envelope"], finished.Errors);
    }

    [Fact]
    public async Task End_fails_or_cancels_an_unfinished_run_once()
    {
        var store = await CreateRunStoreAsync();
        await RunningRunAsync(store, "run-1");
        var at = T0.AddMinutes(3);

        Assert.True(await store.EndAsync("run-1", RunStatus.Failed, "stream unavailable", at, CancellationToken.None));
        Assert.False(await store.EndAsync("run-1", RunStatus.Cancelled, "cancelled by operator", at, CancellationToken.None));
        await FetchAndTransformAsync(store, "run-1", 1);
        await FetchAndTransformAsync(store, "run-1", 2);
        Assert.Null(await store.TryFinishAsync("run-1", at, CancellationToken.None));

        var run = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(run);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(at, run.FinishedAt);
        Assert.Equal(["stream unavailable"], run.Errors);
        Assert.False(await store.EndAsync("run-404", RunStatus.Failed, null, at, CancellationToken.None));
    }

    [Fact]
    public async Task Errors_are_kept_in_order_up_to_fifty()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);

        for (var i = 0; i < 55; i++)
            await store.AddErrorAsync("run-1", $"error {i}", CancellationToken.None);

        var run = await store.GetRunAsync("run-1", CancellationToken.None);
        Assert.NotNull(run);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"error {i}").ToList(), run.Errors);
    }

    [Fact]
    public async Task Runs_are_listed_newest_first()
    {
        var store = await CreateRunStoreAsync();
        string[] sources = ["a", "b", "c", "d", "e"];
        for (var i = 0; i < sources.Length; i++)
            await store.TryCreateRunAsync(NewRun($"run-{i}", source: sources[i], createdAt: T0.AddMinutes(i * 7 % 5)), CancellationToken.None);

        var all = await store.ListRunsAsync(10, CancellationToken.None);
        var latest = await store.ListRunsAsync(2, CancellationToken.None);

        Assert.Equal(all.OrderByDescending(r => r.CreatedAt).Select(r => r.RunId).ToList(), all.Select(r => r.RunId).ToList());
        Assert.Equal(5, all.Count);
        Assert.Equal(all.Take(2).Select(r => r.RunId).ToList(), latest.Select(r => r.RunId).ToList());
        Assert.Equal(T0.AddMinutes(4), all[0].CreatedAt);
    }

    [Fact]
    public async Task Checkpoints_are_kept_per_consumer_and_shard()
    {
        var store = await CreateRunStoreAsync();

        Assert.Null(await store.GetCheckpointAsync("fetch", "shardId-000000000000", CancellationToken.None));
        await store.SetCheckpointAsync("fetch", "shardId-000000000000", "49590338271490256608559692538361571095921575989136588898", CancellationToken.None);
        await store.SetCheckpointAsync("fetch", "shardId-000000000001", "100", CancellationToken.None);
        await store.SetCheckpointAsync("other", "shardId-000000000000", "7", CancellationToken.None);
        await store.SetCheckpointAsync("fetch", "shardId-000000000001", "200", CancellationToken.None);

        Assert.Equal("49590338271490256608559692538361571095921575989136588898",
            await store.GetCheckpointAsync("fetch", "shardId-000000000000", CancellationToken.None));
        Assert.Equal("200", await store.GetCheckpointAsync("fetch", "shardId-000000000001", CancellationToken.None));
        Assert.Equal("7", await store.GetCheckpointAsync("other", "shardId-000000000000", CancellationToken.None));
    }

    [Fact]
    public async Task Refreshes_are_created_updated_and_listed_newest_first()
    {
        var store = await CreateRunStoreAsync();
        var first = new WarehouseRefresh { RefreshId = "refresh-1", Status = RunStatus.Queued, CreatedAt = T0, Trigger = "run-finished" };
        var second = new WarehouseRefresh { RefreshId = "refresh-2", Status = RunStatus.Queued, CreatedAt = T0.AddHours(1) };

        await store.CreateRefreshAsync(first, CancellationToken.None);
        await store.CreateRefreshAsync(second, CancellationToken.None);
        await store.UpdateRefreshAsync(first with
        {
            Status = RunStatus.Succeeded, StartedAt = T0.AddSeconds(1), FinishedAt = T0.AddSeconds(9), ProductsLoaded = 194, ObservationsLoaded = 200,
        }, CancellationToken.None);

        var read = await store.GetRefreshAsync("refresh-1", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(RunStatus.Succeeded, read.Status);
        Assert.Equal(T0, read.CreatedAt);
        Assert.Equal(T0.AddSeconds(1), read.StartedAt);
        Assert.Equal(T0.AddSeconds(9), read.FinishedAt);
        Assert.Equal(194, read.ProductsLoaded);
        Assert.Equal(200, read.ObservationsLoaded);
        Assert.Null(read.Error);
        Assert.Equal("run-finished", read.Trigger);
        Assert.Null(await store.GetRefreshAsync("refresh-404", CancellationToken.None));
        var listed = await store.ListRefreshesAsync(10, CancellationToken.None);
        Assert.Equal(["refresh-2", "refresh-1"], listed.Select(r => r.RefreshId).ToList());
        Assert.Single(await store.ListRefreshesAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task A_refresh_keeps_its_attempts_and_is_found_by_its_trigger_newest_first()
    {
        var store = await CreateRunStoreAsync();
        var older = new WarehouseRefresh { RefreshId = "refresh-a", Status = RunStatus.Queued, CreatedAt = T0, Trigger = "run:r-1" };
        var newer = new WarehouseRefresh { RefreshId = "refresh-b", Status = RunStatus.Queued, CreatedAt = T0.AddMinutes(5), Trigger = "run:r-1" };
        await store.CreateRefreshAsync(older, CancellationToken.None);
        await store.CreateRefreshAsync(newer, CancellationToken.None);
        await store.CreateRefreshAsync(new WarehouseRefresh { RefreshId = "refresh-c", Status = RunStatus.Queued, CreatedAt = T0.AddMinutes(9), Trigger = "api" },
            CancellationToken.None);
        var retrying = newer with
        {
            Status = RunStatus.Running, StartedAt = T0.AddMinutes(5), NextAttemptAt = T0.AddMinutes(6), Error = "IOException: disk",
            Attempts = [new RefreshAttempt(1, T0.AddMinutes(5), T0.AddMinutes(5).AddSeconds(3), "failed", "IOException: disk") { ProductsLoaded = 7, FullReload = true }],
        };
        await store.UpdateRefreshAsync(retrying, CancellationToken.None);

        var found = await store.GetLatestRefreshAsync("run:r-1", CancellationToken.None);
        Assert.Equal(retrying, found);
        Assert.Equal(retrying, await store.GetRefreshAsync("refresh-b", CancellationToken.None));
        Assert.Equal("refresh-c", (await store.GetLatestRefreshAsync("api", CancellationToken.None))?.RefreshId);
        Assert.Null(await store.GetLatestRefreshAsync("run:r-404", CancellationToken.None));
        Assert.Empty((await store.GetRefreshAsync("refresh-a", CancellationToken.None))!.Attempts);
    }

    // ---------------------------------------------------------------- run events, queries, timeline

    private static RunEvent Event(string runId, string key, int second, RunEventLevel level = RunEventLevel.Info,
        RunEventStage stage = RunEventStage.Fetch, int? page = null) => new()
    {
        RunId = runId, Key = key, At = T0.AddSeconds(second), Level = level, Stage = stage, Message = $"event {key}", Page = page,
        Skip = page * 100, RawKey = page is null ? null : $"raw/source=dummyjson/dt=2026-03-01/run={runId}/page-{page:D6}.json",
        Attempt = level == RunEventLevel.Warning ? 2 : null, Cause = level == RunEventLevel.Warning ? "429 Too Many Requests" : null,
    };

    private static async Task<List<RunEvent>> AllEventsAsync(TStore store, string runId, RunEventQuery query)
    {
        var all = new List<RunEvent>();
        string? token = null;
        do
        {
            var page = await store.ListEventsAsync(runId, query with { PageToken = token }, CancellationToken.None);
            Assert.True(page.Items.Count <= query.Limit);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        } while (token is not null);
        return all;
    }

    [Fact]
    public async Task Run_events_come_back_oldest_first_once_per_key_filtered_and_a_page_at_a_time()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-ev"), CancellationToken.None);
        await store.TryCreateRunAsync(NewRun("run-other", "fakestore"), CancellationToken.None);
        for (var i = 0; i < 7; i++)
            await store.AppendAsync(Event("run-ev", $"k{i}", i, i % 3 == 0 ? RunEventLevel.Warning : RunEventLevel.Info,
                i < 4 ? RunEventStage.Fetch : RunEventStage.Transform, page: i), CancellationToken.None);
        await store.AppendAsync(Event("run-ev", RunEventKeys.PageFailed(9), 8, RunEventLevel.Error, page: 9), CancellationToken.None);
        // At-least-once: the same keys again (a redelivered page) are kept once, whatever their time or text.
        await store.AppendAsync(Event("run-ev", "k2", 20) with { Message = "again" }, CancellationToken.None);
        await store.AppendAsync(Event("run-ev", RunEventKeys.PageFailed(9), 21, RunEventLevel.Error, page: 9), CancellationToken.None);
        await store.AppendAsync(Event("run-other", "k0", 0), CancellationToken.None);

        var all = await AllEventsAsync(store, "run-ev", new RunEventQuery { Limit = 3 });
        // A live view resumes after the last line it has: only what came since.
        var whole = await store.ListEventsAsync("run-ev", new RunEventQuery { Limit = 100 }, CancellationToken.None);
        Assert.Null(whole.NextPageToken);
        Assert.NotNull(whole.ResumeToken);
        Assert.Empty((await store.ListEventsAsync("run-ev", new RunEventQuery { PageToken = whole.ResumeToken }, CancellationToken.None)).Items);
        await store.AppendAsync(Event("run-ev", "k-late", 30), CancellationToken.None);
        Assert.Equal(["k-late"], (await store.ListEventsAsync("run-ev", new RunEventQuery { PageToken = whole.ResumeToken }, CancellationToken.None)).Items.Select(e => e.Key));
        Assert.Equal(["k0", "k1", "k2", "k3", "k4", "k5", "k6", RunEventKeys.PageFailed(9)], all.Select(e => e.Key));
        Assert.Equal(all.Select(e => e.At).Order(), all.Select(e => e.At));
        var first = all[0];
        Assert.Equal((RunEventLevel.Warning, RunEventStage.Fetch, "event k0", 0, 0, 2, "429 Too Many Requests"),
            (first.Level, first.Stage, first.Message, first.Page, first.Skip, first.Attempt, first.Cause));
        Assert.Equal("raw/source=dummyjson/dt=2026-03-01/run=run-ev/page-000000.json", first.RawKey);
        Assert.Equal(T0, first.At);
        Assert.Equal("event k2", all[2].Message);

        Assert.Equal(["k0", "k3", "k6"], (await AllEventsAsync(store, "run-ev", new RunEventQuery { Level = RunEventLevel.Warning, Limit = 2 })).Select(e => e.Key));
        Assert.Equal(["k4", "k5", "k6"], (await AllEventsAsync(store, "run-ev", new RunEventQuery { Stage = RunEventStage.Transform, Limit = 2 })).Select(e => e.Key));
        Assert.Equal([RunEventKeys.PageFailed(9)], (await AllEventsAsync(store, "run-ev", new RunEventQuery { Level = RunEventLevel.Error })).Select(e => e.Key));
        Assert.Equal(["k0"], (await AllEventsAsync(store, "run-other", new RunEventQuery())).Select(e => e.Key));
        Assert.Empty((await store.ListEventsAsync("run-none", new RunEventQuery(), CancellationToken.None)).Items);
        await Assert.ThrowsAsync<FormatException>(() => store.ListEventsAsync("run-ev", new RunEventQuery { PageToken = "not-a-token!" }, CancellationToken.None));
    }

    [Fact]
    public async Task The_event_log_stops_info_and_warnings_at_its_bound_says_so_once_and_keeps_every_error()
    {
        var store = await CreateRunStoreAsync();
        BoundEventLog(store, 3);
        await store.TryCreateRunAsync(NewRun("run-full"), CancellationToken.None);
        for (var i = 0; i < 6; i++) await store.AppendAsync(Event("run-full", $"i{i}", i), CancellationToken.None);
        for (var p = 0; p < 4; p++)
            await store.AppendAsync(Event("run-full", RunEventKeys.PageFailed(p), 10 + p, RunEventLevel.Error, page: p), CancellationToken.None);
        // The run's own lines are kept past the bound: its end, its refresh.
        await store.AppendAsync(Event("run-full", RunEventKeys.Finished, 20, stage: RunEventStage.Store), CancellationToken.None);
        await store.AppendAsync(Event("run-full", RunEventKeys.RefreshPrefix + "wr-1:succeeded", 21, stage: RunEventStage.Refresh), CancellationToken.None);
        await store.AppendAsync(Event("run-full", "i9", 22), CancellationToken.None);

        var all = await AllEventsAsync(store, "run-full", new RunEventQuery { Limit = 100 });
        Assert.Equal(["i0", "i1", "i2"], all.Where(e => e.Key.StartsWith('i')).Select(e => e.Key));
        var full = Assert.Single(all, e => e.Key == RunEventKeys.LogFull);
        Assert.Equal(RunEventLevel.Warning, full.Level);
        Assert.Contains("3 info and warning lines", full.Message);
        Assert.Equal(4, all.Count(e => e.Level == RunEventLevel.Error));
        Assert.Equal([RunEventKeys.Finished, RunEventKeys.RefreshPrefix + "wr-1:succeeded"], all.Where(e => e.At >= T0.AddSeconds(20)).Select(e => e.Key));
    }

    [Fact]
    public async Task Runs_are_listed_newest_first_filtered_by_source_status_and_trigger_a_page_at_a_time()
    {
        var store = await CreateRunStoreAsync();
        var specs = new (string Id, string Source, string Trigger, RunStatus End)[]
        {
            ("q-1", "dummyjson", "api", RunStatus.Succeeded), ("q-2", "fakestore", "schedule:six-hourly", RunStatus.Failed),
            ("q-3", "dummyjson", "schedule:six-hourly", RunStatus.Succeeded), ("q-4", "synthetic", RunTriggers.Retry, RunStatus.Cancelled),
            ("q-5", "dummyjson", "dashboard", RunStatus.Failed), ("q-6", "fakestore", "api", RunStatus.Succeeded),
        };
        for (var i = 0; i < specs.Length; i++)
        {
            var (id, source, trigger, end) = specs[i];
            Assert.True((await store.TryCreateRunAsync(NewRun(id, source, T0.AddMinutes(i)) with { Trigger = trigger }, CancellationToken.None)).Created);
            Assert.True(await store.EndAsync(id, end, null, T0.AddMinutes(i).AddSeconds(30), CancellationToken.None));
        }

        async Task<List<string>> ListAsync(RunQuery query)
        {
            var ids = new List<string>();
            string? token = null;
            do
            {
                var page = await store.QueryRunsAsync(query with { PageToken = token }, CancellationToken.None);
                Assert.True(page.Items.Count <= query.Limit);
                ids.AddRange(page.Items.Select(r => r.RunId));
                token = page.NextPageToken;
            } while (token is not null);
            return ids;
        }

        Assert.Equal(["q-6", "q-5", "q-4", "q-3", "q-2", "q-1"], await ListAsync(new RunQuery { Limit = 4 }));
        Assert.Equal(["q-6", "q-5", "q-4", "q-3", "q-2", "q-1"], await ListAsync(new RunQuery { Limit = 1 }));
        Assert.Equal(["q-5", "q-3", "q-1"], await ListAsync(new RunQuery { Source = "dummyjson", Limit = 2 }));
        Assert.Equal(["q-5", "q-2"], await ListAsync(new RunQuery { Status = RunStatus.Failed }));
        Assert.Equal(["q-3", "q-2"], await ListAsync(new RunQuery { Trigger = "schedule" }));
        Assert.Equal(["q-4"], await ListAsync(new RunQuery { Trigger = RunTriggers.Retry }));
        Assert.Equal(["q-3"], await ListAsync(new RunQuery { Source = "dummyjson", Status = RunStatus.Succeeded, Trigger = "schedule" }));
        Assert.Empty(await ListAsync(new RunQuery { Source = "nothing" }));
        await Assert.ThrowsAsync<FormatException>(() => store.QueryRunsAsync(new RunQuery { PageToken = "%%%" }, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_keeps_its_parent_its_pages_and_the_times_of_its_stages()
    {
        var store = await CreateRunStoreAsync();
        var retry = NewRun("run-retry", "synthetic") with { Trigger = RunTriggers.Retry, ParentRunId = "run-parent", OnlyPages = [3, 17] };
        Assert.True((await store.TryCreateRunAsync(retry, CancellationToken.None)).Created);
        var read = (await store.GetRunAsync("run-retry", CancellationToken.None))!;
        Assert.Equal("run-parent", read.ParentRunId);
        Assert.Equal([3, 17], read.OnlyPages!);
        Assert.Equal((null, null, null, null, null), (read.PlanFinishedAt, read.FetchStartedAt, read.FetchFinishedAt, read.TransformStartedAt, read.TransformFinishedAt));
        Assert.Null((await store.GetRunAsync((await RunningRunAsync(store, "run-plain")).RunId, CancellationToken.None))!.OnlyPages);

        await store.SetStatusAsync("run-retry", RunStatus.Running, CancellationToken.None);
        await store.MarkPlanningCompleteAsync("run-retry", CancellationToken.None);
        var planned = (await store.GetRunAsync("run-retry", CancellationToken.None))!;
        Assert.NotNull(planned.PlanFinishedAt);
        Assert.Null(planned.FetchStartedAt);

        await store.ApplyOnceAsync("run-retry", "fetch:3", [new CounterDelta(Counter.PagesFetched, 1)], CancellationToken.None);
        var fetching = (await store.GetRunAsync("run-retry", CancellationToken.None))!;
        Assert.NotNull(fetching.FetchStartedAt);
        Assert.Null(fetching.TransformStartedAt);
        await store.IncrementAsync("run-retry", [new CounterDelta(Counter.PagesFailed, 1)], CancellationToken.None);
        await store.ApplyOnceAsync("run-retry", "transform:3", [new CounterDelta(Counter.PagesTransformed, 1), new CounterDelta(Counter.ProductsParsed, 5)], CancellationToken.None);
        var done = (await store.GetRunAsync("run-retry", CancellationToken.None))!;
        Assert.Equal(fetching.FetchStartedAt, done.FetchStartedAt);
        Assert.True(done.FetchFinishedAt >= done.FetchStartedAt);
        Assert.NotNull(done.TransformStartedAt);
        Assert.True(done.TransformFinishedAt >= done.TransformStartedAt);
        Assert.True(done.TransformStartedAt >= done.FetchStartedAt);
        // Counters that are not a page's (the plan's) do not move a stage.
        Assert.Null((await store.GetRunAsync("run-plain", CancellationToken.None))!.FetchStartedAt);
    }
}
