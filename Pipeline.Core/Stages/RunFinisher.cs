using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Stages;

/// <summary>
/// Ends a run whose counters have settled, once, and tells the listener (which starts the warehouse refresh). A bulk
/// load of the product store ends with it: its deferred indexes are built after the listener has recorded the
/// refresh (a write that would otherwise wait behind an index build on the store's writer), while the refresh runs.
/// </summary>
public sealed class RunFinisher(
    IRunStore runs, IRunCompletionListener listener, TimeProvider clock, RunEvents? events = null, IBulkLoadTarget? bulkLoad = null)
{
    public async Task<IngestionRun?> TryFinishAsync(string runId, CancellationToken ct)
    {
        var finished = await runs.TryFinishAsync(runId, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (finished is null) return null;
        PipelineMetrics.RunEnded(finished.Source, finished.Status.ToWire());
        if (events is not null)
        {
            var s = finished.Stages;
            var replay = finished.Trigger == RunTriggers.Replay; // a replay reads its pages instead of fetching them
            await events.RecordAsync(new RunEvent
            {
                RunId = runId, At = clock.GetUtcNow(), Stage = RunEventStage.Store, Key = RunEventKeys.Finished,
                Level = finished.Status == RunStatus.Succeeded ? RunEventLevel.Info : RunEventLevel.Warning,
                Message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Run {finished.Status.ToWire()}: {(replay ? s.PagesRead : s.PagesFetched):N0} page(s) {(replay ? "read" : "fetched")}, {s.PagesFailed:N0} failed; {s.ProductsUpserted:N0} product(s) upserted, {s.ProductsUnchanged:N0} unchanged, {s.ProductsRejected:N0} rejected; {s.PriceChanges:N0} price change(s)"),
            }, ct).ConfigureAwait(false);
        }
        try
        {
            await listener.OnRunFinishedAsync(finished, ct).ConfigureAwait(false);
        }
        finally
        {
            if (bulkLoad is not null) await bulkLoad.EndBulkLoadAsync(ct).ConfigureAwait(false);
        }
        return finished;
    }
}
