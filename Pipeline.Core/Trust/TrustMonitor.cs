using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Trust;

/// <summary>
/// One look at what changed, made every poll interval by the host (and by tests directly):
/// <list type="bullet">
/// <item>runs that ended since the notifier first started raise <c>run.&lt;status&gt;</c>;</item>
/// <item>refreshes that ended are followed by the data checks (once per refresh; a failed check raises
/// <c>check.failed</c>), and a failed refresh raises <c>refresh.failed</c>;</item>
/// <item>a source that turned stale raises <c>source.stale</c> once, and <c>source.fresh</c> when it recovers.</item>
/// </list>
/// It reads the stores, not in-process callbacks, so runs finished by the Lambdas are seen too. Every step is idempotent
/// and recorded after it happened: an event is raised, then marked <c>raised:&lt;key&gt;</c> (a webhook added later is
/// not sent what was announced before it); checks run, then the refresh is marked checked; a freshness turn is raised,
/// then recorded. A failure in between repeats the step at the next look, and the outbox's keys make the repeat
/// harmless. Once an hour, what is older than <see cref="NotificationOptions.Retention"/> is pruned.
/// </summary>
public sealed class TrustMonitor(
    IRunStore runs, IRefreshStore refreshes, INotificationOutbox outbox, IQualityStore quality, Notifier notifier, DataChecks checks,
    SourceFreshnessService freshness, IOptions<NotificationOptions> options, TimeProvider clock, ILogger<TrustMonitor> logger)
{
    private const string SinceMarker = "notifier:since";
    private const string RaisedPrefix = "raised:";
    private const string CheckedPrefix = "checked:";
    private const int RunsLooked = 100;
    private const int RefreshesLooked = 50;
    private const int CheckAttempts = 5;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly HashSet<string> _watching = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _checkFailures = new(StringComparer.Ordinal);
    private DateTimeOffset? _since;
    private DateTimeOffset _prunedAt = DateTimeOffset.MinValue;

    public async Task TickAsync(CancellationToken ct)
    {
        // What ended before the notifier first started, or before the retention window, is history, not news.
        var since = Max(await SinceAsync(ct).ConfigureAwait(false), clock.GetUtcNow() - options.Value.Retention);
        await RunsAsync(since, ct).ConfigureAwait(false);
        await RefreshesAsync(since, ct).ConfigureAwait(false);
        await SourcesAsync(ct).ConfigureAwait(false);
        await PruneAsync(ct).ConfigureAwait(false);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private async Task<DateTimeOffset> SinceAsync(CancellationToken ct)
    {
        if (_since is { } known) return known;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        await outbox.TrySetMarkerAsync(SinceMarker, null, now, ct).ConfigureAwait(false);
        var stored = await outbox.GetMarkerAsync(SinceMarker, ct).ConfigureAwait(false) ?? now;
        _since = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(stored, CultureInfo.InvariantCulture));
        return _since.Value;
    }

    /// <summary>
    /// The newest runs, and the runs this process saw going that have since left that page (a long run that ends after
    /// many newer ones were started).
    /// </summary>
    private async Task RunsAsync(DateTimeOffset since, CancellationToken ct)
    {
        var recent = (await runs.QueryRunsAsync(new RunQuery { Limit = RunsLooked }, ct).ConfigureAwait(false)).Items.ToList();
        foreach (var id in _watching.Except(recent.Select(r => r.RunId)).ToList())
        {
            if (await runs.GetRunAsync(id, ct).ConfigureAwait(false) is { } run) recent.Add(run);
            else _watching.Remove(id);
        }
        foreach (var run in recent)
        {
            if (!run.Status.IsTerminal())
            {
                _watching.Add(run.RunId);
                continue;
            }
            _watching.Remove(run.RunId);
            if ((run.FinishedAt ?? run.CreatedAt) < since) continue;
            if (NotificationEvents.ForRun(run) is { } e) await RaiseOnceAsync(e, ct).ConfigureAwait(false);
        }
    }

    private async Task RefreshesAsync(DateTimeOffset since, CancellationToken ct)
    {
        var recent = await refreshes.ListRefreshesAsync(RefreshesLooked, ct).ConfigureAwait(false);
        // Oldest first, so that the checks' history reads in the order the refreshes ended.
        foreach (var refresh in recent.Reverse())
        {
            if (!refresh.Status.IsTerminal() || (refresh.FinishedAt ?? refresh.CreatedAt) < since) continue;
            if (refresh.Status == RunStatus.Failed) await RaiseOnceAsync(NotificationEvents.ForFailedRefresh(refresh), ct).ConfigureAwait(false);
            await CheckAfterAsync(refresh, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The data checks after <paramref name="refresh"/>, once: marked checked only after they ran (or gave up).</summary>
    private async Task CheckAfterAsync(WarehouseRefresh refresh, CancellationToken ct)
    {
        var marker = CheckedPrefix + refresh.RefreshId;
        if (_done.Contains(marker)) return;
        if (await outbox.GetMarkerAsync(marker, ct).ConfigureAwait(false) is not null)
        {
            _done.Add(marker); // checked by another instance, or by an earlier life of this one
            return;
        }
        string outcome;
        try
        {
            await checks.RunAsync(refresh.RefreshId, ct).ConfigureAwait(false); // records the results and raises check.failed
            outcome = "checked";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var failures = _checkFailures[marker] = _checkFailures.GetValueOrDefault(marker) + 1;
            if (failures < CheckAttempts)
            {
                logger.LogWarning(ex, "Data checks after refresh {RefreshId} could not run (try {Try} of {Tries}); the next look tries again",
                    refresh.RefreshId, failures, CheckAttempts);
                return;
            }
            logger.LogError(ex, "Data checks after refresh {RefreshId} could not run in {Tries} tries; giving up on this refresh", refresh.RefreshId, CheckAttempts);
            outcome = "gave up";
        }
        _checkFailures.Remove(marker);
        await outbox.TrySetMarkerAsync(marker, null, outcome, ct).ConfigureAwait(false);
        _done.Add(marker);
    }

    private async Task SourcesAsync(CancellationToken ct)
    {
        foreach (var state in await freshness.ListAsync(ct, fresh: true).ConfigureAwait(false))
        {
            var key = $"freshness:{state.Source}";
            var wire = NotificationEvents.Wire(state.Freshness);
            var before = await outbox.GetMarkerAsync(key, ct).ConfigureAwait(false);
            if (before == wire) continue;
            var turnedStale = state.Freshness == Freshness.Stale;
            var recovered = before == "stale" && state.Freshness == Freshness.Fresh;
            if (turnedStale || recovered)
            {
                // Raised before the turn is recorded (keyed by the turn, so a second instance's raise adds nothing).
                await RaiseOnceAsync(NotificationEvents.ForSource(state), ct).ConfigureAwait(false);
                logger.Log(turnedStale ? LogLevel.Warning : LogLevel.Information, "Source {Source} is {Freshness} (last success {LastSuccessAt}, limit {MaxAge})",
                    state.Source, wire, state.LastSuccessAt, state.MaxAge);
            }
            await outbox.TrySetMarkerAsync(key, before, wire, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Raises the event unless it was raised before (by any instance), then records that it was.</summary>
    private async Task RaiseOnceAsync(NotificationEvent e, CancellationToken ct)
    {
        var marker = RaisedPrefix + e.Key;
        if (_done.Contains(marker)) return;
        if (await outbox.GetMarkerAsync(marker, ct).ConfigureAwait(false) is null)
        {
            await notifier.RaiseAsync(e, ct).ConfigureAwait(false);
            await outbox.TrySetMarkerAsync(marker, null, e.OccurredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), ct)
                .ConfigureAwait(false);
        }
        // A memo, not the record (the markers are): forgetting it costs one read per event.
        if (_done.Count > 10_000) _done.Clear();
        _done.Add(marker);
    }

    private async Task PruneAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now - _prunedAt < PruneEvery) return;
        _prunedAt = now;
        var before = now - options.Value.Retention;
        try
        {
            var deliveries = await outbox.PruneDeliveriesAsync(before, ct).ConfigureAwait(false);
            var results = await quality.PruneChecksAsync(before, ct).ConfigureAwait(false);
            var markers = await outbox.PruneMarkersAsync(RaisedPrefix, before, ct).ConfigureAwait(false)
                          + await outbox.PruneMarkersAsync(CheckedPrefix, before, ct).ConfigureAwait(false);
            if (deliveries + results + markers > 0)
                logger.LogInformation("Pruned {Deliveries} deliveries, {Results} check results and {Markers} markers older than {Before}",
                    deliveries, results, markers, before);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Pruning the notifier's history failed; it is tried again in an hour");
        }
    }
}
