using Pipeline.Core.Adapters.Aws.DynamoDb;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Aws.Storage;

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
    public async Task Ensure_created_twice_keeps_the_data()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);

        await store.EnsureCreatedAsync(CancellationToken.None);

        Assert.Equal(12, await store.CountAsync(null, CancellationToken.None));
    }
}
