using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Core.Domain;
using Pipeline.Tests.Adapters.Aws.Storage;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// The store-level case behind <see cref="AwsOutageTests"/>: the DynamoDB product store writes a price observation
/// before the product; when the product write is lost (the store went away, the run failed) and a new run upserts the
/// same product again, the history must hold the observation once, not once per run.
/// </summary>
public sealed class PriceObservationRetryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 14, 8, 0, 0, TimeSpan.Zero);
    private DynamoDbTestTables _tables = null!;

    public async Task InitializeAsync() => _tables = await DynamoDbTestTables.CreateAsync();

    public async Task DisposeAsync() => await _tables.DisposeAsync();

    [Fact]
    public async Task An_observation_whose_product_write_was_lost_is_written_once_when_a_new_run_retries()
    {
        using var losing = new ProductWritesLost(_tables.Options.ProductsTable);
        var failedRuns = new DynamoDbProductStore(losing, _tables.Options);
        var store = new DynamoDbProductStore(_tables.Client, _tables.Options);
        await store.EnsureCreatedAsync(CancellationToken.None);

        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => failedRuns.UpsertAsync([Mascara(9.99m, "h1")], "run-1", T0, CancellationToken.None));
        var inserted = await store.UpsertAsync([Mascara(9.99m, "h1")], "run-2", T0.AddHours(1), CancellationToken.None);
        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => failedRuns.UpsertAsync([Mascara(7.49m, "h2")], "run-3", T0.AddHours(2), CancellationToken.None));
        var changed = await store.UpsertAsync([Mascara(7.49m, "h2")], "run-4", T0.AddHours(3), CancellationToken.None);

        Assert.Equal(1, inserted.Upserted);
        Assert.Equal(1, changed.PriceChanges);
        var history = await store.GetPriceHistoryAsync("dummyjson:1", CancellationToken.None);
        Assert.Equal([(9.99m, "run-2"), (7.49m, "run-4")], history.Select(h => (h.Price, h.RunId)));
    }

    private static Product Mascara(decimal price, string hash) => new()
    {
        Source = "dummyjson", SourceId = "1", Title = "Essence Mascara Lash Princess", Category = "beauty", Price = price, ContentHash = hash,
    };

    /// <summary>A client on dynalite whose writes to the products table fail, as when the server goes away in between.</summary>
    private sealed class ProductWritesLost(string productsTable) : AmazonDynamoDBClient(
        EmulatorEndpoints.Credentials, new AmazonDynamoDBConfig { ServiceURL = EmulatorEndpoints.DynamoDbUrl, AuthenticationRegion = EmulatorEndpoints.Region })
    {
        public override Task<PutItemResponse> PutItemAsync(PutItemRequest request, CancellationToken cancellationToken = default) =>
            request.TableName == productsTable
                ? throw new AmazonDynamoDBException("the server went away")
                : base.PutItemAsync(request, cancellationToken);
    }
}
