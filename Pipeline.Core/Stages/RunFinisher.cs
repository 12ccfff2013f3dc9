using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Stages;

/// <summary>
/// Ends a run whose counters have settled, once, and tells the listener (which starts the warehouse refresh). A bulk
/// load of the product store ends with it: its deferred indexes are built after the listener has recorded the
/// refresh (a write that would otherwise wait behind an index build on the store's writer), while the refresh runs.
/// </summary>
public sealed class RunFinisher(IRunStore runs, IRunCompletionListener listener, TimeProvider clock, IBulkLoadTarget? bulkLoad = null)
{
    public async Task<IngestionRun?> TryFinishAsync(string runId, CancellationToken ct)
    {
        var finished = await runs.TryFinishAsync(runId, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (finished is null) return null;
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
