using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Stages;

/// <summary>
/// The warehouse refresh: loads the current products and the price observations into the warehouse, then reconciles
/// the warehouse's counts with the store's, per source. Exactly once: the warehouse merges by product id and by
/// (product id, run id), so a repeated or retried load adds nothing, and a refresh ends <c>succeeded</c> only when the
/// counts agree. A store with a change feed (an <see cref="IProductChangeFeed"/> in the container) hands over only what changed since the position the warehouse loaded last
/// (everything on a first load, when the warehouse is empty, or after a reconciliation failed); that position moves
/// only after the load committed and reconciled, so a failed attempt never hides a gap from the next. Other stores hand
/// over everything. A failed attempt (load error or mismatch) is retried up to <see cref="WarehouseOptions.RefreshMaxAttempts"/>
/// times with doubling delays; each attempt is recorded on the refresh.
/// </summary>
public sealed class WarehouseRefresher(
    IProductStore store, IRefreshStore refreshes, IWarehouse warehouse, TimeProvider clock, IOptions<PipelineOptions> options,
    ILogger<WarehouseRefresher> logger, IProductChangeFeed? changeFeed = null, RunEvents? events = null)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(10);

    private const string ReconciliationFailed = "reconciliation failed";

    /// <summary>The warehouse's name as a consumer of the store's change feed.</summary>
    public const string FeedConsumer = "warehouse";

    public async Task<WarehouseRefresh> CreateAsync(string trigger, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var refresh = new WarehouseRefresh
        {
            RefreshId = RunIds.New(now, "wr-"), Status = RunStatus.Queued, CreatedAt = now, Trigger = trigger,
        };
        RefreshTraces.Remember(refresh.RefreshId); // a run's end records its refresh inside the run's last span
        return await refreshes.CreateRefreshAsync(refresh, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a queued (or interrupted) refresh to its end, retrying failed attempts. The attempts of refreshes in one
    /// process never overlap; a refresh waiting for its retry holds nothing, so others run meanwhile (when the host
    /// runs them side by side, as its refresh worker does).
    /// </summary>
    public async Task<WarehouseRefresh> ExecuteAsync(string refreshId, CancellationToken ct)
    {
        var refresh = await refreshes.GetRefreshAsync(refreshId, ct).ConfigureAwait(false)
                      ?? throw new InvalidOperationException($"Refresh {refreshId} does not exist.");
        if (refresh.Status.IsTerminal()) return refresh;
        using var span = PipelineTelemetry.StartRefresh(refreshId, refresh.Trigger);
        var settings = options.Value.Warehouse;
        // An attempt that was running when the process stopped counts as failed: it is recorded, and the next attempt
        // loads the same changes again (idempotently), as after any failure other than a mismatch.
        var attempts = refresh.Attempts.Select(a => a.FinishedAt is null
            ? a with { FinishedAt = clock.GetUtcNow(), Status = "failed", Error = "interrupted: the process stopped during the attempt" }
            : a).ToList();
        refresh = refresh with { Status = RunStatus.Running, StartedAt = refresh.StartedAt ?? clock.GetUtcNow(), Attempts = attempts.ToList() };
        // Taken up after a restart: the attempts already used count, and a retry that was waiting waits out its time.
        if (attempts.Count >= settings.RefreshMaxAttempts)
            return await EndFailedAsync(refresh, attempts.Count, attempts[^1].Error).ConfigureAwait(false);
        if (refresh.NextAttemptAt is { } next && next > clock.GetUtcNow())
            await Task.Delay(next - clock.GetUtcNow(), clock, ct).ConfigureAwait(false);
        while (true)
        {
            var number = attempts.Count + 1;
            // After counts that did not reconcile, the store's changes since the last position are not enough: every
            // later attempt of this refresh loads everything (idempotently). After other failures the same changes again.
            var fullReload = attempts.Any(a => a.Error?.StartsWith(ReconciliationFailed, StringComparison.Ordinal) == true);
            var attempt = new RefreshAttempt(number, clock.GetUtcNow(), null, "running", null) { FullReload = fullReload };
            await TellRunAsync(refresh, RunEventLevel.Info, $"attempt-{number}-started",
                $"Refresh {refresh.RefreshId} attempt {number} started: {(fullReload || changeFeed is null ? "loading everything" : "loading what changed since the last load")}").ConfigureAwait(false);
            var (outcome, reconciled) = await AttemptAsync(refresh, attempts, attempt, ct).ConfigureAwait(false);
            attempts.Add(outcome);
            refresh = refresh with { Attempts = attempts.ToList(), NextAttemptAt = null };
            if (outcome.Status == "succeeded")
            {
                refresh = refresh with
                {
                    Status = RunStatus.Succeeded, FinishedAt = outcome.FinishedAt, Error = null,
                    ProductsLoaded = outcome.ProductsLoaded, ObservationsLoaded = outcome.ObservationsLoaded,
                };
                logger.LogInformation(
                    "Warehouse refresh {RefreshId} loaded {Products} products and {Observations} observations (attempt {Attempt}); counts reconcile for {Sources} sources",
                    refreshId, outcome.ProductsLoaded, outcome.ObservationsLoaded, number, reconciled?.Items.Count ?? 0);
                await TellRunAsync(refresh, RunEventLevel.Info, "succeeded",
                    string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"Refresh {refreshId} loaded {outcome.ProductsLoaded:N0} products and {outcome.ObservationsLoaded:N0} observations; store and warehouse counts match")).ConfigureAwait(false);
                break;
            }
            if (number >= settings.RefreshMaxAttempts) return await EndFailedAsync(refresh, number, outcome.Error).ConfigureAwait(false);
            var delay = RetryDelay(settings.RefreshRetryDelay, number);
            refresh = refresh with { Error = outcome.Error, NextAttemptAt = clock.GetUtcNow() + delay };
            logger.LogWarning("Warehouse refresh {RefreshId} attempt {Attempt} failed; retrying in {Delay}: {Error}", refreshId, number, delay, outcome.Error);
            await TellRunAsync(refresh, RunEventLevel.Warning, $"attempt-{number}-failed",
                $"Refresh {refreshId} attempt {number} failed: {outcome.Error}; retrying in {delay}", attempt: number).ConfigureAwait(false);
            await refreshes.UpdateRefreshAsync(refresh, CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(delay, clock, ct).ConfigureAwait(false);
        }
        await refreshes.UpdateRefreshAsync(refresh, CancellationToken.None).ConfigureAwait(false);
        Measure(refresh);
        return refresh;
    }

    private static void Measure(WarehouseRefresh ended) =>
        PipelineMetrics.RefreshEnded(ended.Status.ToWire(), (ended.FinishedAt ?? ended.CreatedAt) - (ended.StartedAt ?? ended.CreatedAt),
            ended.ProductsLoaded, ended.ObservationsLoaded);

    private async Task<WarehouseRefresh> EndFailedAsync(WarehouseRefresh refresh, int attempts, string? error)
    {
        refresh = refresh with
        {
            Status = RunStatus.Failed, FinishedAt = clock.GetUtcNow(), NextAttemptAt = null,
            Error = attempts == 1 ? error : $"failed after {attempts} attempts; last: {error}",
        };
        logger.LogError("Warehouse refresh {RefreshId} failed after {Attempts} attempts: {Error}", refresh.RefreshId, attempts, error);
        await TellRunAsync(refresh, RunEventLevel.Error, "failed", $"Refresh {refresh.RefreshId} failed: {refresh.Error}", attempt: attempts).ConfigureAwait(false);
        await refreshes.UpdateRefreshAsync(refresh, CancellationToken.None).ConfigureAwait(false);
        Measure(refresh);
        return refresh;
    }

    /// <summary>A refresh that a run's end started tells that run's event log how it goes.</summary>
    private Task TellRunAsync(WarehouseRefresh refresh, RunEventLevel level, string what, string message, int? attempt = null)
    {
        if (events is null || RefreshTriggers.RunIdOf(refresh.Trigger) is not { } runId) return Task.CompletedTask;
        return events.RecordAsync(new RunEvent
        {
            RunId = runId, At = clock.GetUtcNow(), Level = level, Stage = RunEventStage.Refresh,
            Key = $"{RunEventKeys.RefreshPrefix}{refresh.RefreshId}:{what}", Message = message, Attempt = attempt,
        }, CancellationToken.None);
    }

    /// <summary>The wait after failed attempt <paramref name="attempt"/>: the base doubled per attempt, at most 10 minutes.</summary>
    public static TimeSpan RetryDelay(TimeSpan baseDelay, int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, baseDelay.Ticks * (1L << Math.Min(attempt - 1, 20))));

    /// <summary>One attempt: load, then reconcile. Returns the attempt as it ended (never throws but for cancellation).</summary>
    private async Task<(RefreshAttempt Attempt, Reconciliation? Reconciliation)> AttemptAsync(
        WarehouseRefresh refresh, List<RefreshAttempt> earlier, RefreshAttempt attempt, CancellationToken ct)
    {
        await OneAtATime.WaitAsync(ct).ConfigureAwait(false);
        var recorded = Task.CompletedTask;
        try
        {
            var running = refresh with
            {
                Status = RunStatus.Running, Attempts = [.. earlier, attempt], NextAttemptAt = null,
            };
            // The load only reads the store; this write may wait behind what holds the store's writer (the index
            // builds that end a bulk load), so the load does not wait for it. It is awaited before the attempt ends.
            recorded = refreshes.UpdateRefreshAsync(running, ct);
            await warehouse.EnsureSchemaAsync(ct).ConfigureAwait(false);
            var (result, reconciliation) = await LoadAndReconcileAsync(refresh.RefreshId, attempt.FullReload, ct).ConfigureAwait(false);
            await recorded.ConfigureAwait(false);
            var ended = attempt with
            {
                FinishedAt = clock.GetUtcNow(), ProductsLoaded = result.ProductsLoaded, ObservationsLoaded = result.ObservationsLoaded,
            };
            return reconciliation.Matches
                ? (ended with { Status = "succeeded" }, reconciliation)
                : (ended with { Status = "failed", Error = $"{ReconciliationFailed}: {reconciliation.Describe()}" }, reconciliation);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(ex, "Warehouse refresh {RefreshId} attempt {Attempt} failed", refresh.RefreshId, attempt.Attempt);
            return (attempt with { FinishedAt = clock.GetUtcNow(), Status = "failed", Error = $"{ex.GetType().Name}: {ErrorMessage.FirstLine(ex.Message)}" }, null);
        }
        finally
        {
            OneAtATime.Release();
            // The running record settles first, whatever became of it (its error, if any, is the load's to report), so
            // that the final record is the last written.
            await Task.WhenAny(recorded).ConfigureAwait(false);
            _ = recorded.Exception;
        }
    }

    private async Task<(WarehouseLoadResult, Reconciliation)> LoadAndReconcileAsync(string refreshId, bool fullReload, CancellationToken ct)
    {
        if (changeFeed is not { } feed)
        {
            var before = await store.CountsAsync(ct).ConfigureAwait(false);
            var all = await LoadReadingAheadAsync(refreshId, store.ScanAsync(ct), store.ScanPriceObservationsAsync(ct), ct).ConfigureAwait(false);
            var inWarehouse = await warehouse.CountsAsync(ct).ConfigureAwait(false);
            var after = await store.CountsAsync(ct).ConfigureAwait(false);
            return (all, Reconciliation.Compare(clock.GetUtcNow(), before, inWarehouse, after));
        }

        var upTo = await feed.CurrentPositionAsync(ct).ConfigureAwait(false);
        // -1: rows written before the feed existed sit at position 0.
        var from = fullReload || await warehouse.AsOfAsync(ct).ConfigureAwait(false) is null
            ? -1
            : await feed.GetConsumerPositionAsync(FeedConsumer, ct).ConfigureAwait(false) ?? -1;
        logger.LogInformation("Refresh {RefreshId} loads the store's changes after position {After} up to {UpTo}", refreshId, from, upTo);
        // The store's counts at upTo are read beside the load (another core), to compare with the warehouse's after it.
        var expected = feed.CountsAtAsync(upTo, ct);
        WarehouseLoadResult result;
        var started = clock.GetTimestamp();
        try
        {
            result = await LoadReadingAheadAsync(refreshId, feed.ScanChangedAsync(from, upTo, ct), feed.ScanObservationsAddedAsync(from, upTo, ct), ct)
                .ConfigureAwait(false);
        }
        finally
        {
            await Task.WhenAny(expected).ConfigureAwait(false);
            _ = expected.Exception;
        }
        var loaded = clock.GetElapsedTime(started);
        var reconciliation = Reconciliation.Compare(clock.GetUtcNow(), await expected.ConfigureAwait(false),
            await warehouse.CountsAsync(ct).ConfigureAwait(false));
        logger.LogInformation("Refresh {RefreshId} loaded in {LoadSeconds:0.0} s and reconciled {Sources} sources {ReconcileSeconds:0.0} s later",
            refreshId, loaded.TotalSeconds, reconciliation.Items.Count, (clock.GetElapsedTime(started) - loaded).TotalSeconds);
        if (reconciliation.Matches) await feed.SetConsumerPositionAsync(FeedConsumer, upTo, ct).ConfigureAwait(false);
        return (result, reconciliation);
    }

    /// <summary>The load, with the store's scans running ahead of the warehouse's appends on their own task, so that reading and loading overlap.</summary>
    private Task<WarehouseLoadResult> LoadReadingAheadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct) =>
        warehouse.LoadAsync(refreshId, products.Buffered(ct: ct), observations.Buffered(ct: ct), ct);

    /// <summary>
    /// The store's counts against the warehouse's now, per source. With a change feed, the store is counted at the
    /// position the warehouse loaded last, so a match means the warehouse holds exactly what the store held then, and
    /// writes since (a run under way) do not show as a mismatch.
    /// </summary>
    public async Task<Reconciliation> ReconcileAsync(CancellationToken ct)
    {
        var asOf = await warehouse.AsOfAsync(ct).ConfigureAwait(false) ?? clock.GetUtcNow();
        var inWarehouse = await warehouse.CountsAsync(ct).ConfigureAwait(false);
        if (changeFeed is { } feed && await feed.GetConsumerPositionAsync(FeedConsumer, ct).ConfigureAwait(false) is { } position)
            return Reconciliation.Compare(asOf, await feed.CountsAtAsync(position, ct).ConfigureAwait(false), inWarehouse);
        return Reconciliation.Compare(asOf, await store.CountsAsync(ct).ConfigureAwait(false), inWarehouse);
    }
}
