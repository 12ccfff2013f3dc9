using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Stages;

/// <summary>
/// Ends a run whose counters have settled, once, and tells the listener (which starts the warehouse refresh). A bulk
/// load of the product store ends with it: its deferred indexes are built while the listener works.
/// </summary>
public sealed class RunFinisher(IRunStore runs, IProductStore store, IRunCompletionListener listener, TimeProvider clock)
{
    public async Task<IngestionRun?> TryFinishAsync(string runId, CancellationToken ct)
    {
        var finished = await runs.TryFinishAsync(runId, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (finished is null) return null;
        var indexes = store is IBulkLoadTarget bulk ? bulk.EndBulkLoadAsync(ct) : Task.CompletedTask;
        await Task.WhenAll(indexes, listener.OnRunFinishedAsync(finished, ct)).ConfigureAwait(false);
        return finished;
    }
}
