using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>The product-store contract on DynamoDB (dynalite on 127.0.0.1), plus what is particular to DynamoDB.</summary>
public sealed class DynamoDbProductStoreTests : ProductStoreContractTests
{
    private DynamoDbTestTables? _tables;

    protected override async Task<IProductStore> CreateStoreAsync()
    {
        _tables ??= await DynamoDbTestTables.CreateAsync();
        var store = new DynamoDbProductStore(_tables.Client, _tables.Options);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    public override async Task DisposeAsync()
    {
        if (_tables is not null) await _tables.DisposeAsync();
    }

    [Fact]
    public async Task Equal_prices_page_forward_and_back_without_losing_or_repeating_items()
    {
        var store = await CreateStoreAsync();
        var products = Enumerable.Range(1, 11).Select(i => MakeProduct($"{i}", $"Same {i:D2}", "ties", i <= 8 ? 5m : 7m)).ToList();
        await store.UpsertAsync(products, "run-1", T1, CancellationToken.None);
        var query = new ProductQuery { Category = "ties", Sort = ProductSort.PriceAscending, Limit = 3 };

        var forward = new List<ProductPage>();
        string? token = null;
        do
        {
            var page = await store.QueryAsync(query with { PageToken = token }, CancellationToken.None);
            forward.Add(page);
            token = page.NextPageToken;
        } while (token is not null && forward.Count < 10);

        var ids = forward.SelectMany(p => p.Items).Select(p => p.Id).ToList();
        Assert.Equal(11, ids.Count);
        Assert.Equal(products.Select(p => p.Id).Order(), ids.Order());
        Assert.Equal(ids.Select(id => products.Single(p => p.Id == id).Price).Order().ToList(),
            ids.Select(id => products.Single(p => p.Id == id).Price).ToList());

        // Walk back from the last page: the same pages in reverse.
        var back = forward[^1];
        for (var i = forward.Count - 2; i >= 0; i--)
        {
            Assert.NotNull(back.PreviousPageToken);
            back = await store.QueryAsync(query with { PageToken = back.PreviousPageToken }, CancellationToken.None);
            Assert.Equal(forward[i].Items.Select(p => p.Id), back.Items.Select(p => p.Id));
        }
        Assert.Null(back.PreviousPageToken);
    }

    [Fact]
    public async Task Page_tokens_that_are_not_ours_or_belong_to_another_query_are_rejected()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);
        var page = await store.QueryAsync(new ProductQuery { Category = "kitchen", Sort = ProductSort.PriceAscending, Limit = 2 }, CancellationToken.None);
        Assert.NotNull(page.NextPageToken);

        await Assert.ThrowsAsync<FormatException>(() => store.QueryAsync(new ProductQuery { PageToken = "not-a-token!" }, CancellationToken.None));
        await Assert.ThrowsAsync<FormatException>(() => store.QueryAsync(
            new ProductQuery { Category = "sports", Sort = ProductSort.PriceAscending, PageToken = page.NextPageToken }, CancellationToken.None));
        await Assert.ThrowsAsync<FormatException>(() => store.QueryAsync(
            new ProductQuery { Category = "kitchen", Sort = ProductSort.Title, PageToken = page.NextPageToken }, CancellationToken.None));
    }

    [Fact]
    public async Task Counts_page_through_each_table_reading_one_attribute_per_item()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);
        await store.UpsertAsync([MakeProduct("8", "Ice Tray", "kitchen", 2.90m, source: "fakestore")], "run-2", T2, CancellationToken.None);
        using var smallPages = new SmallScanPagesClient(pageSize: 2);
        var paged = new DynamoDbProductStore(smallPages, _tables!.Options);

        var counts = await paged.CountsAsync(CancellationToken.None);

        Assert.Equal([new SourceCounts("dummyjson", 9, 9), new SourceCounts("fakestore", 3, 4)], counts.OrderBy(c => c.Source, StringComparer.Ordinal));
        // 12 products and 13 observations two at a time: 7 pages each, the last one empty or short
        Assert.True(smallPages.Scans.Count(s => s.TableName == _tables.Options.ProductsTable) >= 6, "the products were not paged");
        Assert.True(smallPages.Scans.Count(s => s.TableName == _tables.Options.PriceHistoryTable) >= 7, "the observations were not paged");
        Assert.All(smallPages.Scans, s => Assert.Equal("#a", s.ProjectionExpression));
        Assert.Equal(["source", "pk"], smallPages.Scans.Select(s => s.ExpressionAttributeNames["#a"]).Distinct());
    }

    /// <summary>A dynalite client whose Scans read at most <c>pageSize</c> items per call, recording each request.</summary>
    private sealed class SmallScanPagesClient(int pageSize)
        : AmazonDynamoDBClient(EmulatorEndpoints.Credentials,
            new AmazonDynamoDBConfig { ServiceURL = EmulatorEndpoints.DynamoDbUrl, AuthenticationRegion = EmulatorEndpoints.Region })
    {
        public List<ScanRequest> Scans { get; } = [];

        public override Task<ScanResponse> ScanAsync(ScanRequest request, CancellationToken cancellationToken = default)
        {
            request.Limit = pageSize;
            Scans.Add(new ScanRequest
            {
                TableName = request.TableName,
                ProjectionExpression = request.ProjectionExpression,
                ExpressionAttributeNames = new(request.ExpressionAttributeNames),
            });
            return base.ScanAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Ensure_created_twice_keeps_the_data()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);

        await store.EnsureCreatedAsync(CancellationToken.None);

        Assert.Equal(12, await store.CountAsync(null, CancellationToken.None));
    }
}
