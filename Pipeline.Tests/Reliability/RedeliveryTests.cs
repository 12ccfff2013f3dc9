using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// At-least-once delivery: the same stream batch, the same raw object and the same warehouse load handled twice, by
/// calling the stage handlers directly (the host's own consumers are switched off), leave the state exactly as once.
/// </summary>
public sealed class RedeliveryTests : IAsyncLifetime
{
    private const string Page3 = "/dummyjson/products?limit=30&skip=60";
    private FixtureCatalogServer _catalog = null!;
    private PipelineAppFactory _app = null!;
    private AsyncServiceScope _scope;

    public async Task InitializeAsync()
    {
        _catalog = await FixtureCatalogServer.StartAsync();
        _app = new PipelineAppFactory(_catalog, new Dictionary<string, string?>
        {
            ["Pipeline:Local:EventSourceMappings"] = "false",
            ["Pipeline:Warehouse:RefreshAfterRun"] = "false",
        });
        _scope = _app.Services.CreateAsyncScope();
    }

    public async Task DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    private T Get<T>() where T : notnull => _scope.ServiceProvider.GetRequiredService<T>();

    /// <summary>Creates and plans a run, and reads its published fetch tasks back from every shard, per shard.</summary>
    private async Task<(string RunId, List<IReadOnlyList<ReceivedRecord>> Batches)> PlanRunAsync()
    {
        var ingestion = Get<TriggerHandler>();
        var created = await ingestion.CreateRunAsync(new StartIngestionRequest("dummyjson", null), CancellationToken.None);
        await ingestion.PlanAndPublishAsync(created.Run.RunId, CancellationToken.None);
        var stream = Get<IEventStream>();
        var batches = new List<IReadOnlyList<ReceivedRecord>>();
        foreach (var shard in await stream.ListShardsAsync(CancellationToken.None))
        {
            var records = new List<ReceivedRecord>();
            var reader = stream.OpenShard(shard, null);
            while (true)
            {
                var read = await reader.ReadAsync(1000, CancellationToken.None);
                if (read.Records.Count == 0) break;
                records.AddRange(read.Records.Where(r => r.PartitionKey.StartsWith(created.Run.RunId, StringComparison.Ordinal)));
            }
            batches.Add(records);
        }
        Assert.Equal(7, batches.Sum(b => b.Count));
        return (created.Run.RunId, batches);
    }

    private async Task<IReadOnlyList<string>> RawKeysOfAsync(string runId)
    {
        var listing = await Get<IRawZone>().ListAsync(RawKeys.Root, 1000, null, CancellationToken.None);
        return listing.Items.Select(i => i.Key).Where(k => k.Contains($"/run={runId}/", StringComparison.Ordinal)).ToList();
    }

    /// <summary>Everything a redelivery could change, as one string.</summary>
    private async Task<string> StateAsync()
    {
        var runs = await Get<IRunStore>().ListRunsAsync(10, CancellationToken.None);
        var store = Get<IProductStore>();
        var rawZone = Get<IRawZone>();
        var raw = new List<object>();
        foreach (var item in (await rawZone.ListAsync(RawKeys.Root, 1000, null, CancellationToken.None)).Items)
            raw.Add(new { item.Key, item.Size, item.LastModified, (await rawZone.HeadAsync(item.Key, CancellationToken.None))!.Sha256 });
        var products = new List<Product>();
        await foreach (var p in store.ScanAsync(CancellationToken.None)) products.Add(p);
        var observations = new List<PriceObservation>();
        await foreach (var o in store.ScanPriceObservationsAsync(CancellationToken.None)) observations.Add(o);
        return JsonSerializer.Serialize(new
        {
            runs = runs.Select(r => new { r.RunId, r.Status, r.Stages, r.Errors, r.FinishedAt }),
            raw,
            products = products.OrderBy(p => p.Id, StringComparer.Ordinal),
            observations = observations.OrderBy(o => o.ProductId, StringComparer.Ordinal).ThenBy(o => o.RunId, StringComparer.Ordinal),
            rejections = await store.ListRejectionsAsync(null, 1000, CancellationToken.None),
        });
    }

    private async Task FetchAsync(IEnumerable<IReadOnlyList<ReceivedRecord>> batches)
    {
        foreach (var batch in batches) Assert.Empty(await Get<FetchHandler>().HandleBatchAsync(batch, CancellationToken.None));
    }

    [Fact]
    public async Task The_same_stream_batch_twice_fetches_and_counts_each_page_once()
    {
        _catalog.Enqueue(Fault.Status(Page3, 404)); // one page quarantined: its rejection must not double either
        var (runId, batches) = await PlanRunAsync();

        await FetchAsync(batches);
        var once = await StateAsync();
        var hits = _catalog.TotalHits;
        await FetchAsync(batches);

        Assert.Equal(once, await StateAsync());
        Assert.Equal(hits, _catalog.TotalHits); // nothing fetched again
        var run = (await Get<IRunStore>().GetRunAsync(runId, CancellationToken.None))!;
        Assert.Equal(6, run.Stages.PagesFetched);
        Assert.Equal(1, run.Stages.PagesFailed);
        Assert.Equal(6, (await RawKeysOfAsync(runId)).Count);
        Assert.Single(run.Errors);
        Assert.Single(await Get<IProductStore>().ListRejectionsAsync(runId, 100, CancellationToken.None));
    }

    [Fact]
    public async Task The_same_raw_object_twice_changes_no_product_counter_or_price_history()
    {
        _catalog.DummyProducts[3]!["price"] = "not a number"; // one rejected record: not doubled either
        var (runId, batches) = await PlanRunAsync();
        await FetchAsync(batches);
        var keys = await RawKeysOfAsync(runId);
        var transform = Get<TransformHandler>();

        foreach (var key in keys) Assert.Equal(TransformOutcome.Transformed, await transform.HandleAsync(key, CancellationToken.None));
        var once = await StateAsync();
        foreach (var key in keys) Assert.Equal(TransformOutcome.AlreadyTransformed, await transform.HandleAsync(key, CancellationToken.None));

        Assert.Equal(once, await StateAsync());
        var run = (await Get<IRunStore>().GetRunAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunStatus.PartiallySucceeded, run.Status);
        Assert.Equal(194, run.Stages.ProductsParsed);
        Assert.Equal(193, run.Stages.ProductsUpserted);
        Assert.Equal(1, run.Stages.ProductsRejected);
        Assert.Equal(193, await Get<IProductStore>().CountAsync("dummyjson", CancellationToken.None));
        Assert.Single(await Get<IProductStore>().GetPriceHistoryAsync("dummyjson:1", CancellationToken.None));
    }

    [Fact]
    public async Task A_raw_object_of_a_finished_run_delivered_again_by_a_new_run_counts_as_unchanged_only()
    {
        var (first, firstBatches) = await PlanRunAsync();
        await FetchAsync(firstBatches);
        foreach (var key in await RawKeysOfAsync(first)) await Get<TransformHandler>().HandleAsync(key, CancellationToken.None);
        var (second, secondBatches) = await PlanRunAsync();
        await FetchAsync(secondBatches);
        foreach (var key in await RawKeysOfAsync(second)) await Get<TransformHandler>().HandleAsync(key, CancellationToken.None);

        var run = (await Get<IRunStore>().GetRunAsync(second, CancellationToken.None))!;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(0, run.Stages.ProductsUpserted);
        Assert.Equal(194, run.Stages.ProductsUnchanged);
        Assert.Single(await Get<IProductStore>().GetPriceHistoryAsync("dummyjson:1", CancellationToken.None));
    }

    [Fact]
    public async Task The_same_warehouse_load_twice_leaves_the_metrics_as_once()
    {
        var (first, firstBatches) = await PlanRunAsync();
        await FetchAsync(firstBatches);
        foreach (var key in await RawKeysOfAsync(first)) await Get<TransformHandler>().HandleAsync(key, CancellationToken.None);
        _catalog.DummyProducts[0]!["price"] = 7.49m; // a price change, so the observations table has history
        var (second, secondBatches) = await PlanRunAsync();
        await FetchAsync(secondBatches);
        foreach (var key in await RawKeysOfAsync(second)) await Get<TransformHandler>().HandleAsync(key, CancellationToken.None);
        var refresher = Get<WarehouseRefresher>();
        var warehouse = Get<IWarehouse>();

        async Task<string> MetricsAsync() => JsonSerializer.Serialize(new
        {
            categories = await warehouse.TopCategoriesAsync(null, 100, CancellationToken.None),
            cheapest = await warehouse.CheapestProductsAsync(null, null, 100, CancellationToken.None),
            changes = await warehouse.PriceChangesAsync(null, 100, CancellationToken.None),
            history = await warehouse.PriceHistoryAsync("dummyjson:1", CancellationToken.None),
        });

        var firstLoad = await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);
        var once = await MetricsAsync();
        var secondLoad = await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);
        var stored = await Get<IRefreshStore>().GetRefreshAsync(secondLoad.RefreshId, CancellationToken.None);
        var again = await refresher.ExecuteAsync(secondLoad.RefreshId, CancellationToken.None); // the same refresh delivered again
        // A crash between a load and the feed position it records: the next refresh loads the same changes again.
        await Get<IProductChangeFeed>().SetConsumerPositionAsync(WarehouseRefresher.FeedConsumer, 0, CancellationToken.None);
        var reloaded = await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, firstLoad.Status);
        Assert.Equal(RunStatus.Succeeded, secondLoad.Status);
        Assert.Equal(RunStatus.Succeeded, reloaded.Status);
        Assert.Equal(stored, again);
        Assert.Equal(once, await MetricsAsync());
        // Nothing changed since the first load: the second loads nothing.
        Assert.Equal((0L, 0L), (secondLoad.ProductsLoaded, secondLoad.ObservationsLoaded));
        // A repeated load merges every product again but inserts no observation (both warehouses count it so).
        Assert.Equal((firstLoad.ProductsLoaded, 0L), (reloaded.ProductsLoaded, reloaded.ObservationsLoaded));
        Assert.Equal(195, firstLoad.ObservationsLoaded);
        Assert.Equal(194, (await warehouse.TopCategoriesAsync(null, 100, CancellationToken.None)).Sum(c => c.ProductCount));
        var change = Assert.Single(await warehouse.PriceChangesAsync(null, 100, CancellationToken.None));
        Assert.Equal((9.99m, 7.49m), (change.OldPrice, change.NewPrice));
        Assert.Equal([9.99m, 7.49m], (await warehouse.PriceHistoryAsync("dummyjson:1", CancellationToken.None)).Select(p => p.Price));
    }
}
