using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;

namespace Pipeline.Core.Trust;

/// <summary>
/// The data checks, per source: <c>reconciliation</c> (store and warehouse counts match), <c>unique-ids</c>,
/// <c>valid-prices</c>, <c>required-fields</c> (read from the warehouse) and <c>freshness</c>. Run after every warehouse
/// refresh and on demand; every result is recorded (the latest per check and source is the current state). The sources
/// checked are those with data in the store or the warehouse.
/// </summary>
public sealed class DataChecks(
    WarehouseRefresher refresher, IWarehouse warehouse, IQualityStore results, IRefreshStore refreshes, SourceFreshnessService freshness,
    Notifier notifier, TimeProvider clock, ILogger<DataChecks> logger, IProductChangeFeed? changeFeed = null)
{
    /// <summary>
    /// Runs every check, records the results, raises <c>check.failed</c> for each failure (once per refresh, or per
    /// on-demand run) and returns the results (ordered by source, then check).
    /// </summary>
    public async Task<IReadOnlyList<CheckResult>> RunAsync(string? refreshId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var reconciliation = await refresher.ReconcileAsync(ct).ConfigureAwait(false);
        // A store with a change feed is counted where the warehouse loaded it; one without is counted now, so a run writing
        // since the refresh shows as the store being ahead. After a refresh that reconciled, that is not a failure.
        var reconciledRefresh = refreshId is not null && changeFeed is null
                                && await refreshes.GetRefreshAsync(refreshId, ct).ConfigureAwait(false) is { Status: RunStatus.Succeeded };
        var quality = (await warehouse.QualityAsync(ct).ConfigureAwait(false)).ToDictionary(q => q.Source, StringComparer.Ordinal);
        var sources = reconciliation.Items.Select(i => i.Source).Union(quality.Keys).Order(StringComparer.Ordinal).ToList();
        var list = new List<CheckResult>();
        foreach (var source in sources)
        {
            CheckResult Result(string check, bool passed, string observed, string expected) =>
                new(check, source, passed ? CheckStatus.Passed : CheckStatus.Failed, observed, expected, now, refreshId);

            var counts = reconciliation.Items.FirstOrDefault(i => i.Source == source);
            var storeAhead = counts is not null && counts.StoreProducts >= counts.WarehouseProducts && counts.StoreObservations >= counts.WarehouseObservations;
            list.Add(counts is null
                ? Result(DataCheckNames.Reconciliation, true, "no data in the store or the warehouse", "store and warehouse counts equal")
                : Result(DataCheckNames.Reconciliation, counts.Matches || (reconciledRefresh && storeAhead),
                    Invariant($"warehouse {counts.WarehouseProducts:N0} products, {counts.WarehouseObservations:N0} observations")
                    + (!counts.Matches && reconciledRefresh && storeAhead ? $" (refresh {refreshId} reconciled; the store has moved on since)" : ""),
                    Invariant($"store {counts.StoreProducts:N0} products, {counts.StoreObservations:N0} observations")));

            var q = quality.GetValueOrDefault(source) ?? new WarehouseQuality(source, 0, 0, 0, 0);
            list.Add(Result(DataCheckNames.UniqueIds, q.DuplicateIds == 0,
                Invariant($"{q.DuplicateIds:N0} product ids held by more than one row (of {q.Rows:N0} rows)"), "no product id twice"));
            list.Add(Result(DataCheckNames.ValidPrices, q.InvalidPrices == 0,
                Invariant($"{q.InvalidPrices:N0} products with a null or negative price"), "no null or negative price"));
            list.Add(Result(DataCheckNames.RequiredFields, q.MissingFields == 0,
                Invariant($"{q.MissingFields:N0} products without a title or category"), "every product has a title and a category"));

            var last = await freshness.LastSuccessAsync(source, ct).ConfigureAwait(false);
            var state = SourceFreshness.Evaluate(source, last, freshness.MaxAgeOf(source), now);
            list.Add(Result(DataCheckNames.Freshness, state.Freshness == Freshness.Fresh,
                state.LastSuccessAt is { } at ? Invariant($"last success {at:yyyy-MM-dd HH:mm:ss}Z ({Age(now - at)} ago)") : "no successful run",
                state.MaxAge is { } max ? $"a successful run within {Age(max)}" : "a successful run (no freshness limit)"));
        }
        if (list.Count > 0) await results.RecordChecksAsync(list, ct).ConfigureAwait(false);
        var failed = list.Where(r => r.Status == CheckStatus.Failed).ToList();
        if (failed.Count > 0)
            logger.LogWarning("Data checks{After}: {Failed} of {Total} failed: {Checks}", refreshId is null ? "" : $" after refresh {refreshId}",
                failed.Count, list.Count, string.Join(", ", failed.Select(f => $"{f.Check}/{f.Source}")));
        else
            logger.LogInformation("Data checks{After}: all {Total} passed", refreshId is null ? "" : $" after refresh {refreshId}", list.Count);
        foreach (var result in failed) await notifier.RaiseAsync(NotificationEvents.ForFailedCheck(result), ct).ConfigureAwait(false);
        return list;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>"3 h 5 min", "2 d 4 h", "45 s": a duration in words a person scans.</summary>
    public static string Age(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalDays >= 1) return span.Hours == 0 ? $"{(int)span.TotalDays} d" : $"{(int)span.TotalDays} d {span.Hours} h";
        if (span.TotalHours >= 1) return span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min";
        if (span.TotalMinutes >= 1) return $"{(int)span.TotalMinutes} min";
        return $"{(int)span.TotalSeconds} s";
    }
}
