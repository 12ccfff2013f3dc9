using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Core.Domain;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>BatchWriteItem calls answered with UnprocessedItems (through <see cref="UnprocessedItemsProxy"/>) still complete.</summary>
public sealed class DynamoDbBatchRetryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 6, 0, 0, TimeSpan.Zero);
    private DynamoDbTestTables _tables = null!;
    private UnprocessedItemsProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _tables = await DynamoDbTestTables.CreateAsync();
        await DynamoDbTables.EnsureCreatedAsync(_tables.Client, _tables.Options, CancellationToken.None);
        _proxy = new UnprocessedItemsProxy(EmulatorEndpoints.DynamoDbUrl);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _tables.DisposeAsync();
    }

    [Fact]
    public async Task Rejections_held_back_as_unprocessed_are_written_on_retry()
    {
        using var proxied = EmulatorEndpoints.CreateDynamoDbClient(_proxy.Url);
        var store = new DynamoDbProductStore(proxied, _tables.Options);
        var rejections = Enumerable.Range(0, 20).Select(i => new Rejection
        {
            RunId = "run-1", Source = "dummyjson", RawKey = "raw/source=dummyjson/dt=2026-03-01/run=run-1/page-000001.json",
            RecordIndex = i, Reason = "price missing", RejectedAt = At.AddSeconds(i),
        }).ToList();

        await store.AddRejectionsAsync(rejections, CancellationToken.None);

        Assert.Equal(10, _proxy.ItemsHeldBack);
        Assert.Equal(2, _proxy.BatchWriteCalls);
        var direct = new DynamoDbProductStore(_tables.Client, _tables.Options);
        var stored = await direct.ListRejectionsAsync("run-1", 100, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 20).ToList(), stored.Select(r => r.RecordIndex!.Value).Order().ToList());
    }

    [Fact]
    public async Task Price_observations_held_back_as_unprocessed_are_written_on_retry()
    {
        using var proxied = EmulatorEndpoints.CreateDynamoDbClient(_proxy.Url);
        var store = new DynamoDbProductStore(proxied, _tables.Options);
        var products = Enumerable.Range(1, 30).Select(i => new Product
        {
            Source = "dummyjson", SourceId = $"{i}", Title = $"Product {i}", Category = "misc", Price = i, ContentHash = $"h{i}",
        }).ToList();

        var outcome = await store.UpsertAsync(products, "run-1", At, CancellationToken.None);

        Assert.Equal(30, outcome.Upserted);
        Assert.Equal(12, _proxy.ItemsHeldBack); // 12 of the first batch of 25
        Assert.Equal(3, _proxy.BatchWriteCalls); // 25 (12 held back), their retry, then the last 5
        var observations = new List<PriceObservation>();
        await foreach (var o in new DynamoDbProductStore(_tables.Client, _tables.Options).ScanPriceObservationsAsync(CancellationToken.None))
            observations.Add(o);
        Assert.Equal(products.Select(p => p.Id).Order(), observations.Select(o => o.ProductId).Order());
    }
}
