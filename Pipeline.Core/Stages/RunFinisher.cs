using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Stages;

/// <summary>Ends a run whose counters have settled, once, and tells the listener (which starts the warehouse refresh).</summary>
public sealed class RunFinisher(IRunStore runs, IRunCompletionListener listener, TimeProvider clock)
{
    public async Task<IngestionRun?> TryFinishAsync(string runId, CancellationToken ct)
    {
        var finished = await runs.TryFinishAsync(runId, clock.GetUtcNow(), ct).ConfigureAwait(false);
        if (finished is not null) await listener.OnRunFinishedAsync(finished, ct).ConfigureAwait(false);
        return finished;
    }
}
