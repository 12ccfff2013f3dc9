using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Stages;

/// <summary>
/// The warehouse refresh: loads every current product and every price observation into the warehouse. Idempotent:
/// the warehouse merges by product id and by (product id, run id), so a repeated refresh adds nothing.
/// </summary>
public sealed class WarehouseRefresher(
    IProductStore store, IRunStore runs, IWarehouse warehouse, TimeProvider clock, ILogger<WarehouseRefresher> logger)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public async Task<WarehouseRefresh> CreateAsync(string trigger, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var refresh = new WarehouseRefresh
        {
            RefreshId = RunIds.New(now, "wr-"), Status = RunStatus.Queued, CreatedAt = now, Trigger = trigger,
        };
        return await runs.CreateRefreshAsync(refresh, ct).ConfigureAwait(false);
    }

    /// <summary>Runs a queued refresh to its end; refreshes in one process never overlap.</summary>
    public async Task<WarehouseRefresh> ExecuteAsync(string refreshId, CancellationToken ct)
    {
        var refresh = await runs.GetRefreshAsync(refreshId, ct).ConfigureAwait(false)
                      ?? throw new InvalidOperationException($"Refresh {refreshId} does not exist.");
        if (refresh.Status.IsTerminal()) return refresh;
        await OneAtATime.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            refresh = refresh with { Status = RunStatus.Running, StartedAt = clock.GetUtcNow() };
            await runs.UpdateRefreshAsync(refresh, ct).ConfigureAwait(false);
            await warehouse.EnsureSchemaAsync(ct).ConfigureAwait(false);
            var result = await warehouse.LoadAsync(refreshId, store.ScanAsync(ct), store.ScanPriceObservationsAsync(ct), ct).ConfigureAwait(false);
            refresh = refresh with
            {
                Status = RunStatus.Succeeded,
                FinishedAt = clock.GetUtcNow(),
                ProductsLoaded = result.ProductsLoaded,
                ObservationsLoaded = result.ObservationsLoaded,
            };
            logger.LogInformation("Warehouse refresh {RefreshId} loaded {Products} products and {Observations} observations",
                refreshId, result.ProductsLoaded, result.ObservationsLoaded);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogError(ex, "Warehouse refresh {RefreshId} failed", refreshId);
            refresh = refresh with { Status = RunStatus.Failed, FinishedAt = clock.GetUtcNow(), Error = $"{ex.GetType().Name}: {ex.Message}" };
        }
        finally
        {
            OneAtATime.Release();
        }
        await runs.UpdateRefreshAsync(refresh, CancellationToken.None).ConfigureAwait(false);
        return refresh;
    }
}
