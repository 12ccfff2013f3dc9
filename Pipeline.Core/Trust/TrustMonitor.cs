using System.Globalization;
using Microsoft.Extensions.Logging;
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
/// It reads the stores, not in-process callbacks, so runs finished by the Lambdas are seen too, and every step is
/// idempotent (deliveries are keyed by event, transitions and checks claimed with a compare-and-set marker), so several
/// instances and restarts raise each event once.
/// </summary>
public sealed class TrustMonitor(
    IRunStore runs, IRefreshStore refreshes, INotificationOutbox outbox, Notifier notifier, DataChecks checks,
    SourceFreshnessService freshness, TimeProvider clock, ILogger<TrustMonitor> logger)
{
    private const string SinceMarker = "notifier:since";
    private const int RunsLooked = 100;
    private const int RefreshesLooked = 50;

    private readonly HashSet<string> _raised = new(StringComparer.Ordinal);
    private DateTimeOffset? _since;

    public async Task TickAsync(CancellationToken ct)
    {
        var since = await SinceAsync(ct).ConfigureAwait(false);
        await RunsAsync(since, ct).ConfigureAwait(false);
        await RefreshesAsync(since, ct).ConfigureAwait(false);
        await SourcesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>When the notifier first started with this store: what ended before is history, not news.</summary>
    private async Task<DateTimeOffset> SinceAsync(CancellationToken ct)
    {
        if (_since is { } known) return known;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        await outbox.TrySetMarkerAsync(SinceMarker, null, now, ct).ConfigureAwait(false);
        var stored = await outbox.GetMarkerAsync(SinceMarker, ct).ConfigureAwait(false) ?? now;
        _since = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(stored, CultureInfo.InvariantCulture));
        return _since.Value;
    }

    private async Task RunsAsync(DateTimeOffset since, CancellationToken ct)
    {
        var recent = await runs.QueryRunsAsync(new RunQuery { Limit = RunsLooked }, ct).ConfigureAwait(false);
        foreach (var run in recent.Items)
        {
            if (!run.Status.IsTerminal() || (run.FinishedAt ?? run.CreatedAt) < since) continue;
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
            var marker = $"checked:{refresh.RefreshId}";
            if (_raised.Contains(marker)) continue;
            if (!await outbox.TrySetMarkerAsync(marker, null, "checked", ct).ConfigureAwait(false))
            {
                _raised.Add(marker); // another instance (or an earlier life of this one) checked after this refresh
                continue;
            }
            _raised.Add(marker);
            try
            {
                await checks.RunAsync(refresh.RefreshId, ct).ConfigureAwait(false); // raises check.failed itself
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(ex, "Data checks after refresh {RefreshId} could not run", refresh.RefreshId);
            }
        }
    }

    private async Task SourcesAsync(CancellationToken ct)
    {
        foreach (var state in await freshness.ListAsync(ct).ConfigureAwait(false))
        {
            var key = $"freshness:{state.Source}";
            var wire = NotificationEvents.Wire(state.Freshness);
            var before = await outbox.GetMarkerAsync(key, ct).ConfigureAwait(false);
            if (before == wire) continue;
            // Claimed by compare-and-set: one instance acts on the turn.
            if (!await outbox.TrySetMarkerAsync(key, before, wire, ct).ConfigureAwait(false)) continue;
            var turnedStale = state.Freshness == Freshness.Stale;
            var recovered = before == "stale" && state.Freshness == Freshness.Fresh;
            if (!turnedStale && !recovered) continue;
            logger.Log(turnedStale ? LogLevel.Warning : LogLevel.Information, "Source {Source} is {Freshness} (last success {LastSuccessAt}, limit {MaxAge})",
                state.Source, wire, state.LastSuccessAt, state.MaxAge);
            await RaiseOnceAsync(NotificationEvents.ForSource(state), ct).ConfigureAwait(false);
        }
    }

    private async Task RaiseOnceAsync(NotificationEvent e, CancellationToken ct)
    {
        if (_raised.Contains(e.Key)) return;
        // A memo, not the record (the outbox is): forgetting it only costs an idempotent write per event.
        if (_raised.Count > 10_000) _raised.Clear();
        if (notifier.Webhooks.Count > 0) await notifier.RaiseAsync(e, ct).ConfigureAwait(false);
        _raised.Add(e.Key);
    }
}
