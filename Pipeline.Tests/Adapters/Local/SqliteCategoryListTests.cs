using Pipeline.Adapters.Local;
using Pipeline.Core.Caching;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The category lists are cached (<see cref="CategoryCache"/>), yet follow the store's own writes at once; a source large
/// enough to take the category-index path lists the same categories as a small one.
/// </summary>
public sealed class SqliteCategoryListTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2026, 3, 1, 6, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _dir = new();
    private readonly ManualClock _clock = new();
    private SqliteDatabase _db = null!;
    private SqliteProductStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir.Path, "store.db"));
        _store = new SqliteProductStore(_db, _clock);
        await _store.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        _dir.Dispose();
    }

    private static Product Item(string source, string id, string category) => new()
    {
        Source = source, SourceId = id, Title = $"{category} {id}", Category = category, Price = 1m, ContentHash = $"{source}{id}{category}",
        FirstSeen = T1, LastSeen = T1, LastChanged = T1,
    };

    [Fact]
    public async Task A_new_category_or_a_moved_product_shows_in_the_next_list()
    {
        await _store.UpsertAsync([Item("fakestore", "1", "kitchen")], "run-1", T1, CancellationToken.None);
        Assert.Equal(["kitchen"], await _store.ListCategoriesAsync(null, CancellationToken.None));
        Assert.Equal(["kitchen"], await _store.ListCategoriesAsync("fakestore", CancellationToken.None));

        await _store.UpsertAsync([Item("fakestore", "2", "lighting")], "run-2", T1, CancellationToken.None);
        Assert.Equal(["kitchen", "lighting"], await _store.ListCategoriesAsync(null, CancellationToken.None));
        Assert.Equal(["kitchen", "lighting"], await _store.ListCategoriesAsync("fakestore", CancellationToken.None));

        await _store.UpsertAsync([Item("fakestore", "1", "sports")], "run-3", T1, CancellationToken.None); // moved category
        Assert.Equal(["lighting", "sports"], await _store.ListCategoriesAsync("fakestore", CancellationToken.None));
        Assert.Empty(await _store.ListCategoriesAsync("dummyjson", CancellationToken.None));
    }

    [Fact]
    public async Task A_large_source_lists_exactly_its_own_categories()
    {
        var synthetic = SyntheticProducts.Parsed(20_100, 42, 1, "run-1", T1); // over the small-source limit (20,000)
        await _store.UpsertAsync(synthetic, "run-1", T1, CancellationToken.None);
        await _store.UpsertAsync([Item("fakestore", "1", "zz-only-fakestore")], "run-2", T1, CancellationToken.None);

        var expected = synthetic.Select(p => p.Category).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, await _store.ListCategoriesAsync("synthetic", CancellationToken.None));
        Assert.Equal(["zz-only-fakestore"], await _store.ListCategoriesAsync("fakestore", CancellationToken.None));
        Assert.Equal([.. expected, "zz-only-fakestore"], await _store.ListCategoriesAsync(null, CancellationToken.None));
    }
}
