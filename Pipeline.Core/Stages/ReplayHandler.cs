using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Core.Sources;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Stages;

/// <summary>
/// Replays the raw zone: a run (trigger <c>replay</c>) that applies raw pages again through the same transform, without
/// fetching. The planner lists the pages under <c>raw/source=…/</c> (a date range, or one run's prefix) in key order,
/// which is the order their runs fetched them (dates, then run ids that begin with their creation time), and publishes
/// them to the stream one fetching run at a time: the pages of a run are published together and spread over the shards,
/// and the next run's only once every one of them has been applied, so a product's observations are applied in the
/// order they were fetched. The fetch stage hands each task to <see cref="TransformHandler.ReplayAsync"/>.
/// </summary>
public sealed class ReplayHandler(
    SourceRegistry sources, IRawZone rawZone, IRunStore runs, IIdempotencyMarkers markers, IEventStream stream, RunFinisher finisher,
    RunEvents events, TimeProvider clock, ILogger<ReplayHandler> logger, IOptions<RunLimitsOptions>? limits = null)
{
    private readonly TimeSpan _stallTimeout = limits?.Value.ReplayStallTimeout ?? TimeSpan.FromMinutes(15);

    /// <summary>The options a replay run keeps its scope in (shown with the run like a live run's options).</summary>
    public const string FromOption = "from", ToOption = "to", RunIdOption = "runId";

    /// <summary>
    /// A range of at most this many days (up to today when only <c>from</c> is given) is listed day by day, one listing
    /// per day; a longer one, or none, lists the source's keys from its first and skips those before <c>from</c>.
    /// </summary>
    public const int DayByDayListingMaxDays = 92;

    private const int ListPageSize = 1000;
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Validates a replay request and records its run (status queued): unknown source, a run of another source or with no
    /// raw page, <c>from</c> after <c>to</c>, or a scope with no raw page refuse it (<see cref="ReplayRequestException"/>).
    /// An active run of the source is returned instead (Created=false), as for a live run.
    /// </summary>
    public async Task<StartIngestionResult> CreateRunAsync(StartReplayRequest request, CancellationToken ct)
    {
        if (!sources.TryGet(request.Source, out var source))
            throw new ReplayRequestException("source", $"Unknown source '{request.Source}'; one of: {string.Join(", ", sources.Names)}.");
        if (request.RunId is not null && (request.From is not null || request.To is not null))
            throw new ReplayRequestException("runId", "Give either 'runId' or a date range ('from', 'to'), not both.");
        if (request is { From: { } from, To: { } to } && from > to)
            throw new ReplayRequestException("from", $"'from' ({from:yyyy-MM-dd}) is after 'to' ({to:yyyy-MM-dd}).");
        var scope = new ReplayScope(source.Name, request.From, request.To, request.RunId);
        if (request.RunId is { } runId)
        {
            if (!RunIds.IsValid(runId)) throw new ReplayRequestException("runId", $"No run '{runId}'.", notFound: true);
            var known = await runs.GetRunAsync(runId, ct).ConfigureAwait(false);
            if (known is not null && known.Source != source.Name)
                throw new ReplayRequestException("runId", $"Run {runId} ingested '{known.Source}', not '{source.Name}'.");
            if (known is null && !RunIds.TryGetCreatedAt(runId, out _))
                throw new ReplayRequestException("runId", $"No run '{runId}'.", notFound: true);
        }
        if (!await AnyPageAsync(scope, ct).ConfigureAwait(false))
        {
            var (field, what) = request.RunId is not null ? ("runId", $"run {request.RunId}")
                : request.From is not null || request.To is not null ? (request.From is not null ? "from" : "to", $"'{source.Name}' {DescribeRange(request.From, request.To)}")
                : ("source", $"'{source.Name}'");
            throw new ReplayRequestException(field, $"The raw zone holds no page of {what}.", notFound: true);
        }

        var now = clock.GetUtcNow();
        var run = new IngestionRun
        {
            RunId = RunIds.New(now),
            Source = source.Name,
            Status = RunStatus.Queued,
            CreatedAt = now,
            Options = scope.ToOptions(),
            Trigger = RunTriggers.Replay,
            ParentRunId = request.RunId,
        };
        var (stored, created) = await runs.TryCreateRunAsync(run, ct).ConfigureAwait(false);
        if (created)
        {
            logger.LogInformation("Replay {RunId} of {Source} queued by {Trigger} ({Scope})", run.RunId, run.Source, request.Trigger, scope.Describe());
            await events.InfoAsync(run.RunId, RunEventStage.Plan, RunEventKeys.Created,
                $"Replay queued by {request.Trigger}: the raw pages of {scope.Describe()}; nothing is fetched", ct).ConfigureAwait(false);
        }
        return new StartIngestionResult(stored, created);
    }

    /// <summary>The request that replays the same raw pages as the replay <paramref name="run"/> (its re-run).</summary>
    public static StartReplayRequest RequestOf(IngestionRun run, string trigger)
    {
        var scope = ReplayScope.FromRun(run);
        return new StartReplayRequest(run.Source, scope.From, scope.To, scope.RunId, trigger);
    }

    /// <summary>
    /// Lists and publishes the replay's pages, one fetching run at a time (see the class). Safe to call again for a replay
    /// whose planning did not finish: published pages are counted once, applied pages are skipped by their markers.
    /// </summary>
    public async Task PlanAndPublishAsync(IngestionRun run, CancellationToken ct)
    {
        using var logScope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.RunId, ["Source"] = run.Source });
        if (run.Status == RunStatus.Queued) await runs.SetStatusAsync(run.RunId, RunStatus.Running, ct).ConfigureAwait(false);
        var scope = ReplayScope.FromRun(run);
        await events.InfoAsync(run.RunId, RunEventStage.Plan, RunEventKeys.PlanStarted, $"Listing the raw pages of {scope.Describe()}", ct).ConfigureAwait(false);
        var runDate = DateOnly.FromDateTime(run.CreatedAt.UtcDateTime);
        int waves = 0;
        long published = 0;
        await foreach (var pages in RunsInFetchOrderAsync(scope, ct).ConfigureAwait(false))
        {
            var wave = await AppliedPagesAsync(run.RunId, pages, ct).ConfigureAwait(false);
            if (wave.Count == 0) continue;
            if (waves > 0 && !await WaitUntilAppliedAsync(run.RunId, published, ct).ConfigureAwait(false)) return;
            published += await PublishWaveAsync(run, runDate, waves++, wave, ct).ConfigureAwait(false);
        }
        await runs.MarkPlanningCompleteAsync(run.RunId, ct).ConfigureAwait(false);
        logger.LogInformation("Replay {RunId} published {Pages} raw pages of {Runs} runs", run.RunId, published, waves);
        await events.InfoAsync(run.RunId, RunEventStage.Plan, RunEventKeys.Planned,
            string.Create(CultureInfo.InvariantCulture, $"Published {published:N0} raw page(s) of {waves:N0} run(s), in the order they were fetched"), ct).ConfigureAwait(false);
        await finisher.TryFinishAsync(run.RunId, ct).ConfigureAwait(false);
    }

    /// <summary>Publishes one fetching run's pages and counts them once (marker <c>plan:&lt;n&gt;</c>); returns how many.</summary>
    private async Task<long> PublishWaveAsync(IngestionRun run, DateOnly runDate, int index, List<string> keys, CancellationToken ct)
    {
        var batch = new List<StreamRecord>(Math.Min(TriggerHandler.PublishBatchSize, keys.Count));
        foreach (var key in keys)
        {
            RawKeys.TryParse(key, out _, out _, out _, out var page);
            var task = new FetchTask
            {
                RunId = run.RunId, Source = run.Source, Page = page, Skip = 0, Limit = 0, RunDate = runDate, ReplayKey = key,
                TraceParent = PipelineTelemetry.CurrentTraceParent, // the replay's plan span
            };
            batch.Add(new StreamRecord(task.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(task, CoreJsonContext.Default.FetchTask)));
            if (batch.Count == TriggerHandler.PublishBatchSize)
            {
                await stream.PublishAsync(batch, ct).ConfigureAwait(false);
                batch.Clear();
            }
        }
        if (batch.Count > 0) await stream.PublishAsync(batch, ct).ConfigureAwait(false);
        await markers.ApplyOnceAsync(run.RunId, $"plan:{index}",
            [new CounterDelta(Counter.TasksPlanned, keys.Count), new CounterDelta(Counter.TasksPublished, keys.Count)], ct).ConfigureAwait(false);
        return keys.Count;
    }

    /// <summary>
    /// The pages of one fetching run that its own run applied. A run that ended cancelled or failed may have left raw
    /// pages its transform skipped (nothing is transformed for it once it ended): those are left out, so that a replay
    /// over the store applies only what the live pipeline did. A run the store does not know (a rebuild from the raw
    /// zone alone) has all its pages replayed.
    /// </summary>
    private async Task<List<string>> AppliedPagesAsync(string replayRunId, List<string> pages, CancellationToken ct)
    {
        RawKeys.TryParse(pages[0], out _, out _, out var fetchedBy, out _);
        if (await runs.GetRunAsync(fetchedBy, ct).ConfigureAwait(false) is not { Status: RunStatus.Cancelled or RunStatus.Failed } ended) return pages;
        var applied = new List<string>(pages.Count);
        foreach (var key in pages)
            if (await markers.WasAppliedAsync(fetchedBy, $"transform:{key}", ct).ConfigureAwait(false)) applied.Add(key);
        if (applied.Count < pages.Count)
            await events.InfoAsync(replayRunId, RunEventStage.Plan, $"skipped:{fetchedBy}", string.Create(CultureInfo.InvariantCulture,
                $"Left out {pages.Count - applied.Count:N0} raw page(s) of run {fetchedBy} that it never applied (it ended {ended.Status.ToWire()} first)"), ct).ConfigureAwait(false);
        return applied;
    }

    /// <summary>
    /// Waits until the replay has applied (read or failed) <paramref name="published"/> pages; false when it ended first
    /// (cancelled, or failed by the stream's failure destination). Polls the run store: the pages may be applied by
    /// another process (the fetch Lambda), which has no way to signal this one.
    /// </summary>
    private async Task<bool> WaitUntilAppliedAsync(string runId, long published, CancellationToken ct)
    {
        var interval = TimeSpan.FromMilliseconds(10);
        long progress = -1;
        var progressAt = clock.GetTimestamp();
        while (true)
        {
            var run = await runs.GetRunAsync(runId, ct).ConfigureAwait(false);
            if (run is null || run.Status.IsTerminal())
            {
                logger.LogInformation("Replay {RunId} ended while it was publishing; nothing more is published", runId);
                return false;
            }
            var applied = run.Stages.PagesRead + run.Stages.PagesFailed;
            if (applied >= published) return true;
            if (applied != progress) (progress, progressAt) = (applied, clock.GetTimestamp());
            else if (clock.GetElapsedTime(progressAt) > _stallTimeout)
            {
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"replay stalled: {published - applied:N0} published page(s) not applied in {_stallTimeout} (Pipeline:Limits:ReplayStallTimeout); see the stream's failure destination");
                logger.LogError("Replay {RunId} {Reason}", runId, reason);
                await runs.EndAsync(runId, RunStatus.Failed, reason, clock.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                await events.RecordAsync(new RunEvent
                {
                    RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Error, Stage = RunEventStage.Plan, Key = RunEventKeys.PlanFailed,
                    Message = $"The {reason}; the run ended failed",
                }, CancellationToken.None).ConfigureAwait(false);
                return false;
            }
            await Task.Delay(interval, clock, ct).ConfigureAwait(false);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxPollInterval.Ticks));
        }
    }

    /// <summary>
    /// The scope's pages grouped by the run that fetched them, in the order those runs fetched. Key order is that order
    /// for runs created in different seconds (run ids begin with their creation time); runs created in the same second
    /// (short runs one after the other) are ordered by the time their first page was fetched (one HEAD per such run).
    /// </summary>
    private async IAsyncEnumerable<List<string>> RunsInFetchOrderAsync(ReplayScope scope, [EnumeratorCancellation] CancellationToken ct)
    {
        var sameSecond = new List<List<string>>();
        List<string>? current = null;
        string? currentRun = null;
        await foreach (var key in KeysAsync(scope, ct).ConfigureAwait(false))
        {
            RawKeys.TryParse(key, out _, out _, out var fetchedBy, out _);
            if (fetchedBy == currentRun)
            {
                current!.Add(key);
                continue;
            }
            if (currentRun is not null && !SameSecond(currentRun, fetchedBy))
            {
                await foreach (var ordered in InFetchOrderAsync(sameSecond, ct).ConfigureAwait(false)) yield return ordered;
                sameSecond.Clear();
            }
            current = [key];
            currentRun = fetchedBy;
            sameSecond.Add(current);
        }
        await foreach (var ordered in InFetchOrderAsync(sameSecond, ct).ConfigureAwait(false)) yield return ordered;
    }

    /// <summary>Run ids made in the same second (the time they begin with; ids without one are never grouped).</summary>
    private static bool SameSecond(string a, string b) =>
        RunIds.TryGetCreatedAt(a, out var at) && RunIds.TryGetCreatedAt(b, out var bt) && at == bt;

    private async IAsyncEnumerable<List<string>> InFetchOrderAsync(List<List<string>> runsOfOneSecond, [EnumeratorCancellation] CancellationToken ct)
    {
        if (runsOfOneSecond.Count <= 1)
        {
            foreach (var only in runsOfOneSecond) yield return only;
            yield break;
        }
        var fetched = new List<(DateTimeOffset At, List<string> Keys)>(runsOfOneSecond.Count);
        foreach (var keys in runsOfOneSecond)
            fetched.Add(((await rawZone.HeadAsync(keys[0], ct).ConfigureAwait(false))?.FetchedAt ?? default, keys));
        foreach (var (_, keys) in fetched.OrderBy(f => f.At)) yield return keys;
    }

    private async Task<bool> AnyPageAsync(ReplayScope scope, CancellationToken ct)
    {
        await foreach (var _ in KeysAsync(scope, ct).ConfigureAwait(false)) return true;
        return false;
    }

    /// <summary>The scope's page keys in key order (the order they were fetched, run by run).</summary>
    private async IAsyncEnumerable<string> KeysAsync(ReplayScope scope, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var prefix in scope.Prefixes(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)))
        {
            string? token = null;
            do
            {
                var listing = await rawZone.ListAsync(prefix, ListPageSize, token, ct).ConfigureAwait(false);
                foreach (var item in listing.Items)
                {
                    // Only keys the pipeline could have written (a stray object could not be published or counted).
                    if (!RawKeys.IsSafe(item.Key) || !RawKeys.TryParse(item.Key, out var source, out var date, out var fetchedBy, out _)
                        || source != scope.Source || !RunIds.IsValid(fetchedBy)) continue;
                    if (scope.RunId is not null && fetchedBy != scope.RunId) continue;
                    if (scope.From is { } from && date < from) continue;
                    if (scope.To is { } to && date > to) yield break; // keys are in date order
                    yield return item.Key;
                }
                token = listing.NextPageToken;
            } while (token is not null);
        }
    }

    private static string DescribeRange(DateOnly? from, DateOnly? to) => (from, to) switch
    {
        ({ } f, { } t) when f == t => $"on {f:yyyy-MM-dd}",
        ({ } f, { } t) => $"from {f:yyyy-MM-dd} to {t:yyyy-MM-dd}",
        ({ } f, null) => $"from {f:yyyy-MM-dd} on",
        (null, { } t) => $"up to {t:yyyy-MM-dd}",
        _ => "",
    };

    /// <summary>What a replay covers: a source's pages, within dates or of one run.</summary>
    private sealed record ReplayScope(string Source, DateOnly? From, DateOnly? To, string? RunId)
    {
        /// <summary>
        /// The date of <see cref="RunId"/>'s pages (its creation date, which its id begins with), which names their prefix;
        /// null for an id without one (its pages are then found by listing the source).
        /// </summary>
        public DateOnly? RunDate => RunId is not null && RunIds.TryGetCreatedAt(RunId, out var at) ? DateOnly.FromDateTime(at.UtcDateTime) : null;

        public IEnumerable<string> Prefixes(DateOnly today)
        {
            var sourcePrefix = $"{RawKeys.Root}source={Source}/";
            if (RunId is not null)
            {
                if (RunDate is { } date) return [RawKeys.RunPrefix(Source, date, RunId)];
                return [sourcePrefix];
            }
            // Pages are listed under their run's creation date, which is never after today.
            if (From is { } future && To is null && future > today) return [];
            if (From is { } from && (To ?? today) is var to && to >= from && to.DayNumber - from.DayNumber < DayByDayListingMaxDays)
                return Enumerable.Range(0, to.DayNumber - from.DayNumber + 1)
                    .Select(d => string.Create(CultureInfo.InvariantCulture, $"{sourcePrefix}dt={from.AddDays(d):yyyy-MM-dd}/"));
            return [sourcePrefix];
        }

        public Dictionary<string, string> ToOptions()
        {
            var options = new Dictionary<string, string>();
            if (From is { } from) options[FromOption] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (To is { } to) options[ToOption] = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (RunId is not null) options[RunIdOption] = RunId;
            return options;
        }

        public static ReplayScope FromRun(IngestionRun run)
        {
            DateOnly? Date(string name) => run.Options.TryGetValue(name, out var text)
                ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
            var runId = run.Options.GetValueOrDefault(RunIdOption);
            return new ReplayScope(run.Source, Date(FromOption), Date(ToOption), runId);
        }

        public string Describe() => RunId is not null ? $"run {RunId} of '{Source}'"
            : From is null && To is null ? $"'{Source}' (all of them)"
            : $"'{Source}' {DescribeRange(From, To)}";
    }
}

/// <summary>A replay request: a source, and optionally a date range (UTC dates of the runs) or one run.</summary>
public sealed record StartReplayRequest(string Source, DateOnly? From = null, DateOnly? To = null, string? RunId = null, string Trigger = "api");

/// <summary>A replay request that cannot be carried out: the field at fault, and whether what it names does not exist (404) or is invalid (400).</summary>
public sealed class ReplayRequestException(string field, string message, bool notFound = false) : Exception(message)
{
    public string Field { get; } = field;

    public bool NotFound { get; } = notFound;
}
