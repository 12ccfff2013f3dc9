using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Stages;

/// <summary>
/// The warehouse refresh: loads the current products and the price observations into the warehouse. Idempotent: the
/// warehouse merges by product id and by (product id, run id), so a repeated refresh adds nothing. A store with a
/// change feed hands over only what changed since the position the warehouse loaded last (everything on a first load,
/// or when the warehouse is empty); other stores hand over everything.
/// </summary>
public sealed class WarehouseRefresher(
    IProductStore store, IRunStore runs, IWarehouse warehouse, TimeProvider clock, ILogger<WarehouseRefresher> logger)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>The warehouse's name as a consumer of the store's change feed.</summary>
    public const string FeedConsumer = "warehouse";

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
        var recorded = Task.CompletedTask;
        try
        {
            refresh = refresh with { Status = RunStatus.Running, StartedAt = clock.GetUtcNow() };
            // The load only reads the store; this write may wait behind what holds the store's writer (the index
            // builds that end a bulk load), so the load does not wait for it. It is awaited before the final record.
            recorded = runs.UpdateRefreshAsync(refresh, ct);
            await warehouse.EnsureSchemaAsync(ct).ConfigureAwait(false);
            var result = await LoadAsync(refreshId, ct).ConfigureAwait(false);
            await recorded.ConfigureAwait(false);
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
            // The running record settles first, whatever became of it (its error, if any, is the load's to report), so
            // that the final record is the last written.
            await Task.WhenAny(recorded).ConfigureAwait(false);
            _ = recorded.Exception;
        }
        await runs.UpdateRefreshAsync(refresh, CancellationToken.None).ConfigureAwait(false);
        return refresh;
    }

    private async Task<WarehouseLoadResult> LoadAsync(string refreshId, CancellationToken ct)
    {
        if (store is not IProductChangeFeed feed)
            return await LoadReadingAheadAsync(refreshId, store.ScanAsync(ct), store.ScanPriceObservationsAsync(ct), ct).ConfigureAwait(false);

        var upTo = await feed.CurrentPositionAsync(ct).ConfigureAwait(false);
        // -1: rows written before the feed existed sit at position 0.
        var after = await warehouse.AsOfAsync(ct).ConfigureAwait(false) is null
            ? -1
            : await feed.GetConsumerPositionAsync(FeedConsumer, ct).ConfigureAwait(false) ?? -1;
        logger.LogInformation("Refresh {RefreshId} loads the store's changes after position {After} up to {UpTo}", refreshId, after, upTo);
        var result = await LoadReadingAheadAsync(refreshId, feed.ScanChangedAsync(after, upTo, ct), feed.ScanObservationsAddedAsync(after, upTo, ct), ct)
            .ConfigureAwait(false);
        await feed.SetConsumerPositionAsync(FeedConsumer, upTo, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>The load, with the store's scans running ahead of the warehouse's appends on their own task, so that reading and loading overlap.</summary>
    private Task<WarehouseLoadResult> LoadReadingAheadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct) =>
        warehouse.LoadAsync(refreshId, products.Buffered(ct: ct), observations.Buffered(ct: ct), ct);
}
