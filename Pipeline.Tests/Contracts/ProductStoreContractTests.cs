using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every <see cref="IProductStore"/> must do (SQLite and DynamoDB alike). Derive once per implementation; each
/// test gets a fresh, empty store from <see cref="CreateStoreAsync"/> (already EnsureCreated).
/// </summary>
public abstract class ProductStoreContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T1 = new(2026, 3, 1, 6, 0, 0, 125, TimeSpan.Zero);
    protected static readonly DateTimeOffset T2 = T1.AddHours(6);
    protected static readonly DateTimeOffset T3 = T1.AddHours(12);

    /// <summary>A new, empty product store for one test.</summary>
    protected abstract Task<IProductStore> CreateStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A product whose content hash follows its content, as the transform computes it.</summary>
    protected static Product MakeProduct(
        string sourceId, string title, string category, decimal price,
        string source = "dummyjson", string? brand = null, string? description = null) =>
        new()
        {
            Source = source,
            SourceId = sourceId,
            Title = title,
            Description = description,
            Category = category,
            Brand = brand,
            Price = price,
            DiscountPercentage = 5.5m,
            Rating = 4.25m,
            Stock = 12,
            Availability = "In Stock",
            Tags = ["alpha", "beta"],
            Sku = "SKU-" + sourceId,
            Thumbnail = $"http://127.0.0.1/img/{sourceId}.png",
            ContentHash = $"{title}|{category}|{price}|{brand}|{description}",
        };

    private static UpsertOutcome Outcome(int upserted, int unchanged, int priceChanges) => new(upserted, unchanged, priceChanges);

    [Fact]
    public async Task New_products_are_inserted_with_their_first_price_observation()
    {
        var store = await CreateStoreAsync();
        var products = new[]
        {
            MakeProduct("1", "Apple Juice", "groceries", 2.49m, brand: "Orchard"),
            MakeProduct("2", "Banana Bread", "groceries", 4.99m),
            MakeProduct("3", "Cordless Drill", "tools", 89.00m, description: "18 V"),
        };

        var outcome = await store.UpsertAsync(products, "run-1", T1, CancellationToken.None);

        Assert.Equal(Outcome(3, 0, 0), outcome);
        var stored = await store.GetAsync("dummyjson:1", CancellationToken.None);
        Assert.NotNull(stored);
        AssertSameContent(products[0], stored);
        Assert.Equal(T1, stored.FirstSeen);
        Assert.Equal(T1, stored.LastSeen);
        Assert.Equal(T1, stored.LastChanged);
        Assert.Equal("run-1", stored.LastRunId);
        var history = await store.GetPriceHistoryAsync("dummyjson:3", CancellationToken.None);
        var point = Assert.Single(history);
        Assert.Equal(new PricePoint(89.00m, T1, "run-1"), point);
        Assert.Equal(3, await store.CountAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Upserting_the_same_products_again_changes_nothing_but_last_seen()
    {
        var store = await CreateStoreAsync();
        var products = new[] { MakeProduct("1", "Apple Juice", "groceries", 2.49m), MakeProduct("2", "Banana Bread", "groceries", 4.99m) };
        await store.UpsertAsync(products, "run-1", T1, CancellationToken.None);

        var sameRun = await store.UpsertAsync(products, "run-1", T1, CancellationToken.None);
        var nextRun = await store.UpsertAsync(products, "run-2", T2, CancellationToken.None);

        Assert.Equal(Outcome(0, 2, 0), sameRun);
        Assert.Equal(Outcome(0, 2, 0), nextRun);
        var stored = await store.GetAsync("dummyjson:2", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(T1, stored.FirstSeen);
        Assert.Equal(T1, stored.LastChanged);
        Assert.Equal(T2, stored.LastSeen);
        Assert.Equal("run-2", stored.LastRunId);
        Assert.Single(await store.GetPriceHistoryAsync("dummyjson:2", CancellationToken.None));
        Assert.Equal(2, await CountAsync(store.ScanPriceObservationsAsync(CancellationToken.None)));

        // A late re-delivery of the first run's page never moves LastSeen back.
        var late = await store.UpsertAsync(products, "run-1", T1, CancellationToken.None);
        Assert.Equal(Outcome(0, 2, 0), late);
        var afterLate = await store.GetAsync("dummyjson:2", CancellationToken.None);
        Assert.NotNull(afterLate);
        Assert.Equal(T2, afterLate.LastSeen);
        Assert.Equal(T1, afterLate.LastChanged);
    }

    [Fact]
    public async Task A_new_price_updates_the_product_and_appends_an_observation()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.49m)], "run-1", T1, CancellationToken.None);

        var outcome = await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 1.99m)], "run-2", T2, CancellationToken.None);
        var again = await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 1.99m)], "run-2", T2, CancellationToken.None);
        var third = await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.29m)], "run-3", T3, CancellationToken.None);

        Assert.Equal(Outcome(1, 0, 1), outcome);
        Assert.Equal(Outcome(0, 1, 0), again);
        Assert.Equal(Outcome(1, 0, 1), third);
        var stored = await store.GetAsync("dummyjson:1", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(2.29m, stored.Price);
        Assert.Equal(T1, stored.FirstSeen);
        Assert.Equal(T3, stored.LastChanged);
        Assert.Equal(T3, stored.LastSeen);
        Assert.Equal(
            [new PricePoint(2.49m, T1, "run-1"), new PricePoint(1.99m, T2, "run-2"), new PricePoint(2.29m, T3, "run-3")],
            await store.GetPriceHistoryAsync("dummyjson:1", CancellationToken.None));

        var observations = await ToListAsync(store.ScanPriceObservationsAsync(CancellationToken.None));
        var byRun = observations.ToDictionary(o => o.RunId);
        Assert.Equal(3, observations.Count);
        Assert.Null(byRun["run-1"].PreviousPrice);
        Assert.Equal(2.49m, byRun["run-2"].PreviousPrice);
        Assert.Equal(1.99m, byRun["run-3"].PreviousPrice);
        Assert.All(observations, o => Assert.Equal("dummyjson:1", o.ProductId));
    }

    [Fact]
    public async Task Products_observed_before_the_last_sighting_change_nothing_as_a_replayed_page_does()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.49m)], "run-1", T1, CancellationToken.None);
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.99m)], "run-2", T2, CancellationToken.None);
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.99m)], "run-3", T3, CancellationToken.None);

        // The pages of runs 1 and 2 applied again (a replay over what is there): older than the last sighting, so nothing.
        Assert.Equal(Outcome(0, 1, 0), await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.49m)], "run-1", T1, CancellationToken.None));
        Assert.Equal(Outcome(0, 1, 0), await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.99m)], "run-2", T2, CancellationToken.None));
        // And the last one: unchanged.
        Assert.Equal(Outcome(0, 1, 0), await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.99m)], "run-3", T3, CancellationToken.None));

        var stored = (await store.GetAsync("dummyjson:1", CancellationToken.None))!;
        Assert.Equal((2.99m, T1, T3, T2, "run-3"), (stored.Price, stored.FirstSeen, stored.LastSeen, stored.LastChanged, stored.LastRunId));
        Assert.Equal([new PricePoint(2.49m, T1, "run-1"), new PricePoint(2.99m, T2, "run-2")], await store.GetPriceHistoryAsync("dummyjson:1", CancellationToken.None));
    }

    [Fact]
    public async Task Lineage_is_the_raw_record_that_last_changed_the_product_and_each_observation_keeps_its_page()
    {
        var store = await CreateStoreAsync();
        const string page1 = "raw/source=dummyjson/dt=2026-03-01/run=run-1/page-000001.json";
        const string page2 = "raw/source=dummyjson/dt=2026-03-01/run=run-2/page-000003.json";
        const string page3 = "raw/source=dummyjson/dt=2026-03-01/run=run-3/page-000003.json";
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.49m) with { RawKey = page1, RecordIndex = 4 }], "run-1", T1, CancellationToken.None);
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.99m) with { RawKey = page2, RecordIndex = 7 }], "run-2", T2, CancellationToken.None);
        // Seen unchanged on a later page: the state still comes from the page that made it.
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.99m) with { RawKey = page3, RecordIndex = 0 }], "run-3", T3, CancellationToken.None);

        var stored = (await store.GetAsync("dummyjson:1", CancellationToken.None))!;
        Assert.Equal((page2, (int?)7), (stored.RawKey, stored.RecordIndex));
        Assert.Equal([new PricePoint(2.49m, T1, "run-1", page1), new PricePoint(2.99m, T2, "run-2", page2)],
            await store.GetPriceHistoryAsync("dummyjson:1", CancellationToken.None));
        var scanned = new List<Product>();
        await foreach (var p in store.ScanAsync(CancellationToken.None)) scanned.Add(p);
        Assert.Equal(page2, Assert.Single(scanned).RawKey);
    }

    [Fact]
    public async Task Changed_content_at_the_same_price_updates_without_an_observation()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync([MakeProduct("1", "Apple Juice", "groceries", 2.49m)], "run-1", T1, CancellationToken.None);

        var changed = MakeProduct("1", "Apple Juice", "groceries", 2.49m, description: "now with pulp");
        var outcome = await store.UpsertAsync([changed], "run-2", T2, CancellationToken.None);

        Assert.Equal(Outcome(1, 0, 0), outcome);
        var stored = await store.GetAsync("dummyjson:1", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("now with pulp", stored.Description);
        Assert.Equal(changed.ContentHash, stored.ContentHash);
        Assert.Equal(T1, stored.FirstSeen);
        Assert.Equal(T2, stored.LastChanged);
        Assert.Single(await store.GetPriceHistoryAsync("dummyjson:1", CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_upserts_of_the_same_products_count_each_product_once()
    {
        var store = await CreateStoreAsync();
        var products = Enumerable.Range(1, 20).Select(i => MakeProduct($"{i}", $"Item {i:D2}", "misc", 10m + i)).ToList();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => store.UpsertAsync(products, "run-1", T1, CancellationToken.None))));

        Assert.Equal(20, outcomes.Sum(o => o.Upserted));
        Assert.Equal(60, outcomes.Sum(o => o.Unchanged));
        Assert.Equal(0, outcomes.Sum(o => o.PriceChanges));
        Assert.Equal(20, await store.CountAsync(null, CancellationToken.None));
        Assert.Equal(20, await CountAsync(store.ScanPriceObservationsAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task Get_of_an_unknown_product_is_null_with_an_empty_history()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetAsync("dummyjson:404", CancellationToken.None));
        Assert.Empty(await store.GetPriceHistoryAsync("dummyjson:404", CancellationToken.None));
    }

    /// <summary>9 products in "kitchen" (2 from another source) and 3 elsewhere, all prices distinct.</summary>
    protected static IReadOnlyList<Product> Catalog() =>
    [
        MakeProduct("1", "Blender", "kitchen", 49.90m, brand: "Mixwell"),
        MakeProduct("2", "Cutting Board", "kitchen", 12.50m),
        MakeProduct("3", "Dish Rack", "kitchen", 19.99m),
        MakeProduct("4", "Egg Timer", "kitchen", 4.75m),
        MakeProduct("5", "Frying Pan", "kitchen", 34.00m, brand: "Ironclad"),
        MakeProduct("6", "Garlic Press", "kitchen", 8.20m),
        MakeProduct("7", "Hand Mixer", "kitchen", 27.30m, brand: "Mixwell"),
        MakeProduct("8", "Ice Tray", "kitchen", 3.10m, source: "fakestore"),
        MakeProduct("9", "Juicer", "kitchen", 64.00m, source: "fakestore"),
        MakeProduct("10", "Kettle Bell", "sports", 25.00m),
        MakeProduct("11", "Lamp", "lighting", 15.00m),
        MakeProduct("12", "Mixing Bowl Set", "sports", 22.00m, source: "fakestore"),
    ];

    [Fact]
    public async Task Query_by_category_by_price_pages_through_every_item_once_in_order()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);
        var kitchen = Catalog().Where(p => p.Category == "kitchen").ToList();

        var ascending = await ReadAllPagesAsync(store, new ProductQuery { Category = "kitchen", Sort = ProductSort.PriceAscending, Limit = 4 });
        var descending = await ReadAllPagesAsync(store, new ProductQuery { Category = "kitchen", Sort = ProductSort.PriceDescending, Limit = 2 });

        Assert.Equal(kitchen.OrderBy(p => p.Price).Select(p => p.Id).ToList(), ascending.Items.Select(p => p.Id).ToList());
        Assert.Equal([4, 4, 1], ascending.PageSizes);
        Assert.Equal(kitchen.OrderByDescending(p => p.Price).Select(p => p.Id).ToList(), descending.Items.Select(p => p.Id).ToList());
        Assert.Equal([2, 2, 2, 2, 1], descending.PageSizes);
        Assert.All(ascending.Items, p => Assert.Equal("kitchen", p.Category));
        AssertSameContent(kitchen.Single(p => p.SourceId == "5"), ascending.Items.Single(p => p.SourceId == "5"));
    }

    [Fact]
    public async Task Query_with_category_and_source_and_title_order()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);

        var kitchenDummy = await ReadAllPagesAsync(store, new ProductQuery { Category = "kitchen", Source = "dummyjson", Sort = ProductSort.Title, Limit = 3 });
        var fakestore = await ReadAllPagesAsync(store, new ProductQuery { Source = "fakestore", Sort = ProductSort.Title, Limit = 10 });
        var everything = await ReadAllPagesAsync(store, new ProductQuery { Sort = ProductSort.Title, Limit = 5 });

        Assert.Equal(
            ["Blender", "Cutting Board", "Dish Rack", "Egg Timer", "Frying Pan", "Garlic Press", "Hand Mixer"],
            kitchenDummy.Items.Select(p => p.Title).ToList());
        Assert.Equal(["Ice Tray", "Juicer", "Mixing Bowl Set"], fakestore.Items.Select(p => p.Title).ToList());
        Assert.Equal([3], fakestore.PageSizes);
        Assert.Equal(Catalog().Select(p => p.Title).Order(StringComparer.Ordinal).ToList(), everything.Items.Select(p => p.Title).ToList());
    }

    [Fact]
    public async Task Search_matches_titles_ignoring_case()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);

        var mix = await ReadAllPagesAsync(store, new ProductQuery { Search = "MIX", Sort = ProductSort.PriceAscending, Limit = 1 });
        var kitchenMix = await ReadAllPagesAsync(store, new ProductQuery { Search = "mix", Category = "kitchen", Sort = ProductSort.Title, Limit = 10 });
        var nothing = await store.QueryAsync(new ProductQuery { Search = "no such thing" }, CancellationToken.None);

        // Titles only: "Blender" (brand Mixwell) does not match.
        Assert.Equal(["Mixing Bowl Set", "Hand Mixer"], mix.Items.Select(p => p.Title).ToList());
        Assert.Equal([1, 1], mix.PageSizes);
        Assert.Equal(["Hand Mixer"], kitchenMix.Items.Select(p => p.Title).ToList());
        Assert.Empty(nothing.Items);
        Assert.Null(nothing.NextPageToken);
    }

    [Fact]
    public async Task A_previous_page_token_when_given_leads_back_to_the_previous_page()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);
        var query = new ProductQuery { Category = "kitchen", Sort = ProductSort.PriceAscending, Limit = 3 };

        var first = await store.QueryAsync(query, CancellationToken.None);
        Assert.Null(first.PreviousPageToken);
        Assert.NotNull(first.NextPageToken);
        var second = await store.QueryAsync(query with { PageToken = first.NextPageToken }, CancellationToken.None);
        Assert.NotNull(second.NextPageToken);
        var third = await store.QueryAsync(query with { PageToken = second.NextPageToken }, CancellationToken.None);
        Assert.Null(third.NextPageToken);

        // Implementations may omit previous tokens (DynamoDB pages forward by nature); when present they must work.
        if (third.PreviousPageToken is not null)
        {
            var back = await store.QueryAsync(query with { PageToken = third.PreviousPageToken }, CancellationToken.None);
            Assert.Equal(second.Items.Select(p => p.Id).ToList(), back.Items.Select(p => p.Id).ToList());
            Assert.NotNull(back.PreviousPageToken);
            var backAgain = await store.QueryAsync(query with { PageToken = back.PreviousPageToken }, CancellationToken.None);
            Assert.Equal(first.Items.Select(p => p.Id).ToList(), backAgain.Items.Select(p => p.Id).ToList());
            Assert.Null(backAgain.PreviousPageToken);
        }
    }

    [Fact]
    public async Task Categories_are_distinct_and_sorted_and_counts_follow_the_source()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);

        Assert.Equal(["kitchen", "lighting", "sports"], await store.ListCategoriesAsync(null, CancellationToken.None));
        Assert.Equal(["kitchen", "sports"], await store.ListCategoriesAsync("fakestore", CancellationToken.None));
        Assert.Empty(await store.ListCategoriesAsync("nosuchsource", CancellationToken.None));
        Assert.Equal(12, await store.CountAsync(null, CancellationToken.None));
        Assert.Equal(9, await store.CountAsync("dummyjson", CancellationToken.None));
        Assert.Equal(3, await store.CountAsync("fakestore", CancellationToken.None));
    }

    [Fact]
    public async Task Counts_give_products_and_price_observations_per_source()
    {
        var store = await CreateStoreAsync();
        Assert.Empty(await store.CountsAsync(CancellationToken.None));

        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);
        // run 2: two price changes in dummyjson, one in fakestore, a content change without a price change, a new product
        await store.UpsertAsync(
        [
            MakeProduct("1", "Blender", "kitchen", 44.90m, brand: "Mixwell"),
            MakeProduct("2", "Cutting Board", "kitchen", 11.50m),
            MakeProduct("3", "Dish Rack", "kitchen", 19.99m, description: "now in steel"),
            MakeProduct("9", "Juicer", "kitchen", 59.00m, source: "fakestore"),
            MakeProduct("13", "Napkins", "kitchen", 2.00m, source: "fakestore"),
        ], "run-2", T2, CancellationToken.None);
        await store.UpsertAsync([MakeProduct("1", "Blender", "kitchen", 44.90m, brand: "Mixwell")], "run-3", T3, CancellationToken.None); // unchanged

        var counts = await store.CountsAsync(CancellationToken.None);

        Assert.Equal(
            [new SourceCounts("dummyjson", 9, 11), new SourceCounts("fakestore", 4, 5)],
            counts.OrderBy(c => c.Source, StringComparer.Ordinal));
        // the same figures the store's other reads give
        Assert.Equal(9, await store.CountAsync("dummyjson", CancellationToken.None));
        var observations = await ToListAsync(store.ScanPriceObservationsAsync(CancellationToken.None));
        Assert.Equal(5, observations.Count(o => o.Source == "fakestore"));
    }

    [Fact]
    public async Task Scan_streams_every_current_product()
    {
        var store = await CreateStoreAsync();
        await store.UpsertAsync(Catalog(), "run-1", T1, CancellationToken.None);
        await store.UpsertAsync([MakeProduct("1", "Blender", "kitchen", 44.90m, brand: "Mixwell")], "run-2", T2, CancellationToken.None);

        var all = await ToListAsync(store.ScanAsync(CancellationToken.None));

        Assert.Equal(Catalog().Select(p => p.Id).Order().ToList(), all.Select(p => p.Id).Order().ToList());
        Assert.Equal(44.90m, all.Single(p => p.Id == "dummyjson:1").Price);
        Assert.Equal(13, await CountAsync(store.ScanPriceObservationsAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task Rejections_are_kept_once_per_raw_record_and_listed_newest_first()
    {
        var store = await CreateStoreAsync();
        Rejection Reject(string runId, int? index, DateTimeOffset at, string reason = "price missing") => new()
        {
            RunId = runId,
            Source = "dummyjson",
            RawKey = RawKeys.Page("dummyjson", new DateOnly(2026, 3, 1), runId, 1),
            RecordIndex = index,
            SourceId = index is null ? null : $"{index + 100}",
            Reason = reason,
            RejectedAt = at,
        };
        IReadOnlyList<Rejection> run1 = [Reject("run-1", 0, T1), Reject("run-1", 3, T1.AddSeconds(1)), Reject("run-1", null, T1.AddSeconds(2), "not JSON")];

        await store.AddRejectionsAsync(run1, CancellationToken.None);
        await store.AddRejectionsAsync(run1, CancellationToken.None); // re-delivery
        await store.AddRejectionsAsync([Reject("run-2", 0, T2)], CancellationToken.None);

        var forRun1 = await store.ListRejectionsAsync("run-1", 100, CancellationToken.None);
        Assert.Equal(3, forRun1.Count);
        Assert.All(forRun1, r => Assert.Equal("run-1", r.RunId));
        var page = forRun1.Single(r => r.RecordIndex is null);
        Assert.Equal("not JSON", page.Reason);
        Assert.Null(page.SourceId);
        var record = forRun1.Single(r => r.RecordIndex == 3);
        Assert.Equal("103", record.SourceId);
        Assert.Equal(run1[1].RawKey, record.RawKey);
        Assert.Equal(T1.AddSeconds(1), record.RejectedAt);

        var all = await store.ListRejectionsAsync(null, 100, CancellationToken.None);
        Assert.Equal(4, all.Count);
        Assert.Equal(all.OrderByDescending(r => r.RejectedAt).Select(r => r.RejectedAt).ToList(), all.Select(r => r.RejectedAt).ToList());
        Assert.Equal("run-2", all[0].RunId);
        Assert.Equal(2, (await store.ListRejectionsAsync(null, 2, CancellationToken.None)).Count);
        Assert.Empty(await store.ListRejectionsAsync("run-404", 10, CancellationToken.None));
    }

    protected sealed record AllPages(List<Product> Items, List<int> PageSizes);

    /// <summary>Follows NextPageToken to the end; fails if the paging does not end.</summary>
    protected static async Task<AllPages> ReadAllPagesAsync(IProductStore store, ProductQuery query)
    {
        var items = new List<Product>();
        var sizes = new List<int>();
        string? token = null;
        do
        {
            var page = await store.QueryAsync(query with { PageToken = token }, CancellationToken.None);
            Assert.True(page.Items.Count <= query.Limit, $"page of {page.Items.Count} items for limit {query.Limit}");
            items.AddRange(page.Items);
            sizes.Add(page.Items.Count);
            token = page.NextPageToken;
            Assert.True(sizes.Count <= 100, "paging did not end");
        } while (token is not null);
        Assert.Equal(items.Count, items.Select(p => p.Id).Distinct().Count());
        return new AllPages(items, sizes);
    }

    protected static void AssertSameContent(Product expected, Product actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.SourceId, actual.SourceId);
        Assert.Equal(expected.Title, actual.Title);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Category, actual.Category);
        Assert.Equal(expected.Brand, actual.Brand);
        Assert.Equal(expected.Price, actual.Price);
        Assert.Equal(expected.DiscountPercentage, actual.DiscountPercentage);
        Assert.Equal(expected.Rating, actual.Rating);
        Assert.Equal(expected.Stock, actual.Stock);
        Assert.Equal(expected.Availability, actual.Availability);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Sku, actual.Sku);
        Assert.Equal(expected.Thumbnail, actual.Thumbnail);
        Assert.Equal(expected.ContentHash, actual.ContentHash);
    }

    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source) list.Add(item);
        return list;
    }

    protected static async Task<int> CountAsync<T>(IAsyncEnumerable<T> source) => (await ToListAsync(source)).Count;
}
