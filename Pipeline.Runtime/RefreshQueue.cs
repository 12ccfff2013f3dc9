using Pipeline.Core.Domain;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>Warehouse refreshes waiting to run (read by the <see cref="RefreshWorker"/>).</summary>
public sealed class RefreshQueue() : WorkQueue<string>(256)
{
    /// <summary>Records a refresh with <paramref name="trigger"/> and queues it.</summary>
    public async Task<WarehouseRefresh> StartAsync(WarehouseRefresher refresher, string trigger, CancellationToken ct)
    {
        var refresh = await refresher.CreateAsync(trigger, ct).ConfigureAwait(false);
        await EnqueueAsync(refresh.RefreshId, ct).ConfigureAwait(false);
        return refresh;
    }
}
