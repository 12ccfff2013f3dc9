using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The SQLite store's load paths: a bulk load defers the sort indexes and builds them at its end (or when its run
/// stopped writing), and the change feed hands the warehouse refresh only what changed since its last load.
/// </summary>
public sealed class SqliteProductStoreLoadTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2026, 3, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly string[] SortIndexes = ["products_category_price", "products_price", "products_source_title", "products_title"];
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

    /// <summary>Synthetic products, parsed as the transform parses them (content hash included).</summary>
    private static List<Product> Synthetic(int count, int epoch = 1) => SyntheticProducts.Parsed(count, 42, epoch, "run-1", T1);

    /// <summary>SQLite's own check of the store's file: "ok", or what it found wrong.</summary>
    private async Task<string?> IntegrityCheckAsync()
    {
        await using var connection = await _db.OpenAsync(CancellationToken.None);
        await using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        return (string?)await check.ExecuteScalarAsync();
    }

    /// <summary>The indexes of <paramref name="table"/> the store created (not SQLite's own), by name.</summary>
    private async Task<List<string>> IndexesAsync(string table = "products")
    {
        var names = new List<string>();
        await using var connection = await _db.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $table AND name NOT LIKE 'sqlite_%' ORDER BY name";
        command.Parameters.AddWithValue("$table", table);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    private async Task<(long LastSeen, string? RunId)> ProductRowSeenAsync(string id)
    {
        await using var connection = await _db.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_seen, last_run_id FROM products WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no row for {id}");
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    [Fact]
    public async Task An_unchanged_product_is_marked_seen_without_rewriting_its_row_and_reads_report_the_later_sighting()
    {
        DateTimeOffset t2 = T1.AddHours(6), t3 = T1.AddHours(12);
        var first = Synthetic(3);
        var changed = first.Select(p => p with { Price = p.Price + 1, ContentHash = "" }).Select(p => p with { ContentHash = ContentHash.Of(p) }).ToList();
        var id = first[1].Id;
        async Task AssertSeenAsync(DateTimeOffset at, string run)
        {
            var product = await _store.GetAsync(id, CancellationToken.None);
            Assert.NotNull(product);
            Assert.Equal((at, run), (product.LastSeen, product.LastRunId));
            var scanned = await _store.ScanAsync(CancellationToken.None).SingleAsync(p => p.Id == id);
            Assert.Equal((at, run), (scanned.LastSeen, scanned.LastRunId));
            var listed = (await _store.QueryAsync(new ProductQuery { Limit = 10 }, CancellationToken.None)).Items.Single(p => p.Id == id);
            Assert.Equal((at, run), (listed.LastSeen, listed.LastRunId));
        }

        await _store.UpsertAsync(first, "run-1", T1, CancellationToken.None);
        Assert.Equal(new UpsertOutcome(0, 3, 0), await _store.UpsertAsync(first, "run-2", t2, CancellationToken.None));
        await AssertSeenAsync(t2, "run-2");
        Assert.Equal((T1.ToUnixTimeMilliseconds(), "run-1"), await ProductRowSeenAsync(id)); // the wide row was not rewritten

        Assert.Equal(new UpsertOutcome(3, 0, 3), await _store.UpsertAsync(changed, "run-3", t3, CancellationToken.None));
        await AssertSeenAsync(t3, "run-3");

        // A late re-delivery of a page of run 2 (its content now current again) moves nothing back.
        Assert.Equal(new UpsertOutcome(0, 3, 0), await _store.UpsertAsync(changed, "run-2", t2, CancellationToken.None));
        await AssertSeenAsync(t3, "run-3");
    }

    [Fact]
    public async Task Changes_that_keep_or_move_the_sort_keys_leave_every_index_answering_the_new_values()
    {
        var first = Synthetic(8);
        Product Changed(Product p, Func<Product, Product> change)
        {
            var next = change(p);
            return next with { ContentHash = ContentHash.Of(next) };
        }
        var next = first.ToList();
        next[0] = Changed(first[0], p => p with { Title = "Zzz Renamed Lamp" });         // a sort key: the title
        next[1] = Changed(first[1], p => p with { Category = "zz-new-category" });        // a sort key: the category
        next[2] = Changed(first[2], p => p with { Price = 0.01m });                       // the price only
        next[3] = Changed(first[3], p => p with { Stock = (p.Stock ?? 0) + 1000 });       // nothing any index holds
        await _store.UpsertAsync(first, "run-1", T1, CancellationToken.None);
        Assert.Equal(new UpsertOutcome(4, 4, 1), await _store.UpsertAsync(next, "run-2", T1.AddHours(6), CancellationToken.None));

        async Task<List<Product>> QueryAsync(ProductQuery query) => [.. (await _store.QueryAsync(query, CancellationToken.None)).Items];
        Assert.Equal(next.Select(p => p.Id).OrderBy(id => next.Single(p => p.Id == id).Title.ToLowerInvariant(), StringComparer.Ordinal).ThenBy(id => id, StringComparer.Ordinal),
            (await QueryAsync(new ProductQuery { Limit = 50, Sort = ProductSort.Title })).Select(p => p.Id));
        Assert.Equal(next[0].Id, (await QueryAsync(new ProductQuery { Limit = 50, Sort = ProductSort.Title })).Last().Id);
        Assert.Equal(next[1].Id, Assert.Single(await QueryAsync(new ProductQuery { Limit = 50, Category = "zz-new-category" })).Id);
        Assert.DoesNotContain(await QueryAsync(new ProductQuery { Limit = 50, Category = first[1].Category }), p => p.Id == next[1].Id);
        var cheapest = (await QueryAsync(new ProductQuery { Limit = 1, Sort = ProductSort.PriceAscending })).Single();
        Assert.Equal((next[2].Id, 0.01m), (cheapest.Id, cheapest.Price));
        var inCategory = await QueryAsync(new ProductQuery { Limit = 50, Category = next[2].Category, Sort = ProductSort.PriceAscending });
        Assert.Equal(next[2].Id, inCategory.First().Id);
        var restocked = await _store.GetAsync(next[3].Id, CancellationToken.None);
        Assert.NotNull(restocked);
        Assert.Equal((next[3].Stock, next[3].ContentHash), (restocked.Stock, restocked.ContentHash));

        Assert.Equal("ok", await IntegrityCheckAsync());
    }

    [Fact]
    public async Task A_small_load_is_not_a_bulk_load()
    {
        Assert.False(await _store.BeginBulkLoadAsync(SqliteProductStore.BulkLoadThreshold - 1, CancellationToken.None));
        Assert.False(_store.BulkLoading);
        Assert.Equal(SortIndexes, await IndexesAsync());
    }

    [Fact]
    public async Task A_bulk_load_defers_the_sort_indexes_answers_queries_meanwhile_and_builds_them_at_its_end()
    {
        Assert.True(await _store.BeginBulkLoadAsync(100_000, CancellationToken.None));
        Assert.Empty(await IndexesAsync());
        var products = Synthetic(500);
        await _store.UpsertAsync(products, "run-1", T1, CancellationToken.None);

        var query = new ProductQuery { Sort = ProductSort.PriceAscending, Limit = 20 };
        var during = await _store.QueryAsync(query, CancellationToken.None);
        var expected = products.OrderBy(p => (double)p.Price).ThenBy(p => p.Id, StringComparer.Ordinal).Take(20).Select(p => p.Id).ToList();
        Assert.Equal(expected, during.Items.Select(p => p.Id).ToList());

        await _store.EndBulkLoadAsync(CancellationToken.None);
        Assert.False(_store.BulkLoading);
        Assert.Equal(SortIndexes, await IndexesAsync());
        var after = await _store.QueryAsync(query, CancellationToken.None);
        Assert.Equal(expected, after.Items.Select(p => p.Id).ToList());
    }

    [Fact]
    public async Task A_bulk_load_writes_new_redelivered_and_changed_products_as_a_store_outside_one_does()
    {
        // The same writes into two stores, one bulk loading (sort indexes deferred), one not: the same outcomes, feed
        // positions, rows and observations, for new, redelivered, partly stored and changed products.
        await using var plainDb = new SqliteDatabase(Path.Combine(_dir.Path, "plain.db"));
        var plain = new SqliteProductStore(plainDb, _clock);
        await plain.EnsureCreatedAsync(CancellationToken.None);
        Assert.True(await _store.BeginBulkLoadAsync(100_000, CancellationToken.None));

        var writes = new (List<Product> Products, string Run, DateTimeOffset At)[]
        {
            (Synthetic(300), "run-1", T1),
            (Synthetic(300), "run-1", T1), // redelivered
            (Synthetic(450).Skip(150).ToList(), "run-1", T1), // half stored, half new
            (Synthetic(450, epoch: 2), "run-2", T1.AddHours(6)), // the next epoch: some prices move
            (Synthetic(100).Select(p => p with { SourceId = "x" + p.SourceId }).ToList(), "run-3", T1.AddHours(7)), // new again
        };
        foreach (var (products, run, at) in writes)
        {
            Assert.Equal(await plain.UpsertAsync(products, run, at, CancellationToken.None), await _store.UpsertAsync(products, run, at, CancellationToken.None));
            Assert.Equal(await plain.CurrentPositionAsync(CancellationToken.None), await _store.CurrentPositionAsync(CancellationToken.None));
        }
        Assert.True(_store.BulkLoading);
        await _store.EndBulkLoadAsync(CancellationToken.None);

        static object Row(Product p) => (p.Id, p.Title, p.Price, p.Stock, p.ContentHash, p.FirstSeen, p.LastSeen, p.LastChanged, p.LastRunId,
            string.Join(",", p.Tags));
        var rows = (await ToListAsync(_store.ScanAsync(CancellationToken.None))).Select(Row).ToList();
        Assert.Equal(550, rows.Count);
        Assert.Equal((await ToListAsync(plain.ScanAsync(CancellationToken.None))).Select(Row), rows);
        Assert.Equal(await ToListAsync(plain.ScanObservationsAddedAsync(-1, long.MaxValue, CancellationToken.None)),
            await ToListAsync(_store.ScanObservationsAddedAsync(-1, long.MaxValue, CancellationToken.None)));
    }

    [Fact]
    public async Task A_next_epoch_defers_only_the_price_indexes_answers_price_queries_meanwhile_and_rebuilds_them()
    {
        // A store holding more than a quarter of the load (and at most twice it): the catalog's next epoch.
        var held = (int)(SqliteProductStore.BulkLoadThreshold / 4 + 100);
        await _store.UpsertAsync(Synthetic(held), "run-1", T1, CancellationToken.None);

        Assert.True(await _store.BeginBulkLoadAsync(SqliteProductStore.BulkLoadThreshold, CancellationToken.None));
        Assert.True(_store.BulkLoading);
        Assert.Equal(["products_source_title", "products_title"], await IndexesAsync());
        var next = Synthetic(held, epoch: 2);
        var outcome = await _store.UpsertAsync(next, "run-2", T1.AddHours(6), CancellationToken.None);
        Assert.True(outcome.PriceChanges > 0);

        var query = new ProductQuery { Sort = ProductSort.PriceDescending, Limit = 20 };
        var expected = next.OrderByDescending(p => (double)p.Price).ThenByDescending(p => p.Id, StringComparer.Ordinal).Take(20).Select(p => p.Id).ToList();
        Assert.Equal(expected, (await _store.QueryAsync(query, CancellationToken.None)).Items.Select(p => p.Id).ToList());

        await _store.EndBulkLoadAsync(CancellationToken.None);
        Assert.False(_store.BulkLoading);
        Assert.Equal(SortIndexes, await IndexesAsync());
        Assert.Equal(expected, (await _store.QueryAsync(query, CancellationToken.None)).Items.Select(p => p.Id).ToList());
        Assert.Equal("ok", await IntegrityCheckAsync());
    }

    [Fact]
    public async Task A_store_holding_more_than_twice_the_load_keeps_its_indexes()
    {
        var held = (int)(SqliteProductStore.BulkLoadThreshold * 2 + 100);
        await _store.UpsertAsync(Synthetic(held), "run-1", T1, CancellationToken.None);

        Assert.False(await _store.BeginBulkLoadAsync(SqliteProductStore.BulkLoadThreshold, CancellationToken.None));
        Assert.False(_store.BulkLoading);
        Assert.Equal(SortIndexes, await IndexesAsync());
    }

    [Fact]
    public async Task A_bulk_load_whose_run_stopped_writing_is_ended_by_the_next_query()
    {
        Assert.True(await _store.BeginBulkLoadAsync(100_000, CancellationToken.None));
        await _store.UpsertAsync(Synthetic(100), "run-1", T1, CancellationToken.None);

        _clock.Advance(SqliteProductStore.BulkLoadIdleLimit - TimeSpan.FromSeconds(1));
        await _store.QueryAsync(new ProductQuery(), CancellationToken.None);
        Assert.True(_store.BulkLoading);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await _store.QueryAsync(new ProductQuery(), CancellationToken.None);
        Assert.False(_store.BulkLoading);
        Assert.Equal(SortIndexes, await IndexesAsync());
    }

    [Fact]
    public async Task A_restart_during_a_bulk_load_builds_the_indexes()
    {
        Assert.True(await _store.BeginBulkLoadAsync(100_000, CancellationToken.None));
        await _store.UpsertAsync(Synthetic(100), "run-1", T1, CancellationToken.None);

        var restarted = new SqliteProductStore(_db, _clock);
        await restarted.EnsureCreatedAsync(CancellationToken.None);
        Assert.Equal(SortIndexes, await IndexesAsync());
    }

    [Fact]
    public async Task A_store_written_before_loses_the_observation_time_index_no_query_read()
    {
        await _db.ExecuteAsync("CREATE INDEX price_observations_time ON price_observations (observed_at)", CancellationToken.None);
        await _store.UpsertAsync(Synthetic(10), "run-1", T1, CancellationToken.None);
        Assert.Equal(["price_observations_change", "price_observations_time"], await IndexesAsync("price_observations"));

        await new SqliteProductStore(_db, _clock).EnsureCreatedAsync(CancellationToken.None);
        Assert.Equal(["price_observations_change"], await IndexesAsync("price_observations"));
        Assert.Equal(10, (await ToListAsync(_store.ScanPriceObservationsAsync(CancellationToken.None))).Count);
    }

    [Fact]
    public async Task The_change_feed_numbers_content_changes_and_new_observations_only()
    {
        Assert.Equal(0, await _store.CurrentPositionAsync(CancellationToken.None));
        var first = Synthetic(300);
        await _store.UpsertAsync(first, "run-1", T1, CancellationToken.None);
        var afterFirst = await _store.CurrentPositionAsync(CancellationToken.None);
        Assert.Equal(1, afterFirst);

        // The same products again: nothing changes, the position stays.
        await _store.UpsertAsync(first, "run-1b", T1.AddHours(1), CancellationToken.None);
        Assert.Equal(afterFirst, await _store.CurrentPositionAsync(CancellationToken.None));

        var next = Synthetic(300, epoch: 2);
        var outcome = await _store.UpsertAsync(next, "run-2", T1.AddHours(6), CancellationToken.None);
        var afterNext = await _store.CurrentPositionAsync(CancellationToken.None);
        Assert.Equal(2, afterNext);

        var changed = await ToListAsync(_store.ScanChangedAsync(afterFirst, afterNext, CancellationToken.None));
        Assert.Equal(outcome.Upserted, changed.Count);
        var firstHashes = first.ToDictionary(p => p.Id, p => p.ContentHash);
        Assert.All(changed, p => Assert.NotEqual(firstHashes[p.Id], p.ContentHash));
        var everything = await ToListAsync(_store.ScanChangedAsync(-1, afterNext, CancellationToken.None));
        Assert.Equal(300, everything.Count);
        // The feed hands over the fields a warehouse loads, equal to the store's own products on each of them.
        static object WarehouseFields(Product p) => (p.Id, p.Source, p.SourceId, p.Title, p.Category, p.Brand, p.Price, p.Rating, p.Stock,
            p.Availability, p.ContentHash, p.LastChanged);
        Assert.Equal((await ToListAsync(_store.ScanAsync(CancellationToken.None))).Select(WarehouseFields), everything.Select(WarehouseFields));
        Assert.Contains(everything, p => p.Brand is not null);
        Assert.Contains(everything, p => p.Rating is not null && p.Stock is not null && p.Availability is not null);

        var added = await ToListAsync(_store.ScanObservationsAddedAsync(afterFirst, afterNext, CancellationToken.None));
        Assert.Equal(outcome.PriceChanges, added.Count);
        Assert.All(added, o => Assert.Equal("run-2", o.RunId));
        Assert.All(added, o => Assert.NotNull(o.PreviousPrice));
        Assert.Equal(300, (await ToListAsync(_store.ScanObservationsAddedAsync(0, afterFirst, CancellationToken.None))).Count);
    }

    [Fact]
    public async Task Consumer_positions_are_kept()
    {
        Assert.Null(await _store.GetConsumerPositionAsync("warehouse", CancellationToken.None));
        await _store.SetConsumerPositionAsync("warehouse", 7, CancellationToken.None);
        await _store.SetConsumerPositionAsync("warehouse", 9, CancellationToken.None);
        Assert.Equal(9, await _store.GetConsumerPositionAsync("warehouse", CancellationToken.None));
    }

    [Fact]
    public async Task Incremental_refreshes_leave_the_warehouse_as_one_full_load_would()
    {
        var runs = new SqliteRunStore(_db);
        await runs.EnsureCreatedAsync(CancellationToken.None);
        await using var incremental = new DuckDbWarehouse(Path.Combine(_dir.Path, "incremental.duckdb"), _clock);
        var refresher = new WarehouseRefresher(_store, runs, incremental, _clock, Microsoft.Extensions.Options.Options.Create(new Pipeline.Core.Configuration.PipelineOptions()), NullLogger<WarehouseRefresher>.Instance,
            changeFeed: _store);

        await _store.UpsertAsync(Synthetic(400), "run-1", T1, CancellationToken.None);
        var first = await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal((400, 400), (first.ProductsLoaded, first.ObservationsLoaded));

        var outcome = await _store.UpsertAsync(Synthetic(450, epoch: 2), "run-2", T1.AddHours(6), CancellationToken.None);
        var second = await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        // Only what changed: the products rewritten (new or changed), their new observations.
        Assert.Equal(outcome.Upserted, second.ProductsLoaded);
        Assert.Equal(outcome.PriceChanges + 50, second.ObservationsLoaded);

        var third = await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);
        Assert.Equal((0, 0), (third.ProductsLoaded, third.ObservationsLoaded));

        await using var full = new DuckDbWarehouse(Path.Combine(_dir.Path, "full.duckdb"), _clock);
        await full.EnsureSchemaAsync(CancellationToken.None);
        await full.LoadAsync("full", _store.ScanAsync(CancellationToken.None), _store.ScanPriceObservationsAsync(CancellationToken.None), CancellationToken.None);
        Assert.Equal(await full.TopCategoriesAsync(null, 50, CancellationToken.None), await incremental.TopCategoriesAsync(null, 50, CancellationToken.None));
        Assert.Equal(await full.CheapestProductsAsync(null, null, 25, CancellationToken.None), await incremental.CheapestProductsAsync(null, null, 25, CancellationToken.None));
        Assert.Equal(await full.PriceChangesAsync(null, 100, CancellationToken.None), await incremental.PriceChangesAsync(null, 100, CancellationToken.None));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}

/// <summary>A clock the test moves by hand (timestamps and wall time together).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public void Advance(TimeSpan by) => _now += by;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now.UtcTicks;
}
