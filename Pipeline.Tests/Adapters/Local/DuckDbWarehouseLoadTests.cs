using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Tests.Adapters.Google;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// How the DuckDB warehouse loads: incremental loads (only changed products and new observations) give what full
/// loads give, repeats add nothing, loads in any order give the same changes, small chunks and a small memory limit
/// still load, reads run during a load and see whole products, and the adapter closes its database when disposed.
/// </summary>
public sealed partial class DuckDbWarehouseLoadTests : IDisposable
{
    private static readonly DateTimeOffset T1 = new(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T3 = new(2025, 5, 2, 6, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, decimal> Run2Prices = new()
    {
        ["dummyjson:1"] = 8.99m, ["dummyjson:2"] = 24.99m, ["dummyjson:6"] = 39.99m, ["dummyjson:31"] = 0.89m,
    };

    private static readonly Dictionary<string, decimal> Run3Prices = new() { ["dummyjson:1"] = 9.49m };

    private static readonly Lazy<IReadOnlyList<Product>> Fixture = new(() =>
    {
        var page = Encoding.UTF8.GetBytes($"{{\"products\":{SharedFixtures.ReadText("dummyjson", "products.json")},\"total\":194}}");
        return CatalogPageParser.Parse(page, CatalogFormat.DummyJson, new ParseContext("dummyjson", "run-1", "raw/fixture.json", T1)).Products;
    });

    private readonly TempFolder _dir = new();
    private readonly FixedTimeProvider _clock = new(T1.AddMinutes(5));
    private readonly List<DuckDbWarehouse> _warehouses = [];

    public void Dispose()
    {
        foreach (var warehouse in _warehouses) warehouse.Dispose();
        _dir.Dispose();
    }

    private DuckDbWarehouse NewWarehouse(DuckDbWarehouseOptions? options = null)
    {
        var warehouse = new DuckDbWarehouse(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".duckdb"), _clock, options);
        _warehouses.Add(warehouse);
        return warehouse;
    }


    private static Dictionary<string, decimal> Prices(params Dictionary<string, decimal>[] runs)
    {
        var prices = Fixture.Value.ToDictionary(p => p.Id, p => p.Price);
        foreach (var run in runs)
            foreach (var (id, price) in run) prices[id] = price;
        return prices;
    }

    private static List<Product> Products(params Dictionary<string, decimal>[] runs)
    {
        var prices = Prices(runs);
        return Fixture.Value.Select(p => p with { Price = prices[p.Id] }).ToList();
    }

    private static List<PriceObservation> First() => Fixture.Value.Select(p => new PriceObservation(p.Id, p.Price, T1, "run-1")).ToList();

    private static List<PriceObservation> Observations(Dictionary<string, decimal> changes, Dictionary<string, decimal> before, DateTimeOffset at, string runId) =>
        changes.Select(kv => new PriceObservation(kv.Key, kv.Value, at, runId) { PreviousPrice = before[kv.Key] }).ToList();

    private static List<PriceObservation> Run2() => Observations(Run2Prices, Prices(), T2, "run-2");

    private static List<PriceObservation> Run3() => Observations(Run3Prices, Prices(Run2Prices), T3, "run-3");

    /// <summary>Every metric the warehouse answers, for comparing two warehouses.</summary>
    private sealed record Snapshot(
        IReadOnlyList<CategoryMetric> Categories, IReadOnlyList<CheapProduct> Cheapest, IReadOnlyList<PriceChange> Changes,
        IReadOnlyList<PriceChange> Drops, IReadOnlyList<PriceChange> Rises, IReadOnlyList<PricePoint> History)
    {
        public bool SameAs(Snapshot other) =>
            Categories.SequenceEqual(other.Categories) && Cheapest.SequenceEqual(other.Cheapest) && Changes.SequenceEqual(other.Changes) &&
            Drops.SequenceEqual(other.Drops) && Rises.SequenceEqual(other.Rises) && History.SequenceEqual(other.History);
    }

    private static async Task<Snapshot> SnapshotAsync(IWarehouse w) => new(
        await w.TopCategoriesAsync(null, 100, CancellationToken.None),
        await w.CheapestProductsAsync(null, null, 50, CancellationToken.None),
        await w.PriceChangesAsync(null, 100, CancellationToken.None),
        await w.BiggestMovesAsync(null, T1, drops: true, 100, CancellationToken.None),
        await w.BiggestMovesAsync(null, T1, drops: false, 100, CancellationToken.None),
        await w.PriceHistoryAsync("dummyjson:1", CancellationToken.None));

    private static readonly PriceChange[] ExpectedChanges =
    [
        new("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 8.99m, 9.49m, 5.56m, T3),
        new("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 9.99m, 8.99m, -10.01m, T2),
        new("dummyjson:2", "Eyeshadow Palette with Mirror", "beauty", 19.99m, 24.99m, 25.01m, T2),
        new("dummyjson:31", "Lemon", "groceries", 0.79m, 0.89m, 12.66m, T2),
        new("dummyjson:6", "Calvin Klein CK One", "fragrances", 49.99m, 39.99m, -20.00m, T2),
    ];

    /// <summary>Three full loads, as a refresh that sends every product and every observation does.</summary>
    private async Task<DuckDbWarehouse> FullLoadsAsync()
    {
        var w = NewWarehouse();
        await w.LoadAsync("r1", AsyncStream.Of(Products()), AsyncStream.Of(First()), CancellationToken.None);
        await w.LoadAsync("r2", AsyncStream.Of(Products(Run2Prices)), AsyncStream.Of(First().Concat(Run2())), CancellationToken.None);
        await w.LoadAsync("r3", AsyncStream.Of(Products(Run2Prices, Run3Prices)), AsyncStream.Of(First().Concat(Run2()).Concat(Run3())), CancellationToken.None);
        return w;
    }

    [Fact]
    public async Task Incremental_loads_of_changed_products_and_new_observations_give_the_metrics_of_full_loads()
    {
        var full = await FullLoadsAsync();
        var incremental = NewWarehouse();
        Assert.Equal(new WarehouseLoadResult(194, 194), await incremental.LoadAsync("r1", AsyncStream.Of(Products()), AsyncStream.Of(First()), CancellationToken.None));
        var changed2 = Products(Run2Prices).Where(p => Run2Prices.ContainsKey(p.Id)).ToList();
        Assert.Equal(new WarehouseLoadResult(4, 4), await incremental.LoadAsync("r2", AsyncStream.Of(changed2), AsyncStream.Of(Run2()), CancellationToken.None));
        var changed3 = Products(Run2Prices, Run3Prices).Where(p => Run3Prices.ContainsKey(p.Id)).ToList();
        Assert.Equal(new WarehouseLoadResult(1, 1), await incremental.LoadAsync("r3", AsyncStream.Of(changed3), AsyncStream.Of(Run3()), CancellationToken.None));

        var expected = await SnapshotAsync(full);
        var actual = await SnapshotAsync(incremental);
        Assert.Equal(ExpectedChanges, actual.Changes);
        Assert.Equal(expected.Categories, actual.Categories);
        Assert.Equal(expected.Cheapest, actual.Cheapest);
        Assert.Equal(expected.Drops, actual.Drops);
        Assert.Equal(expected.Rises, actual.Rises);
        Assert.Equal(expected.History, actual.History);
    }

    [Fact]
    public async Task One_load_of_everything_gives_the_metrics_of_three()
    {
        var full = await FullLoadsAsync();
        var once = NewWarehouse();
        Assert.Equal(new WarehouseLoadResult(194, 199), await once.LoadAsync("all",
            AsyncStream.Of(Products(Run2Prices, Run3Prices)), AsyncStream.Of(First().Concat(Run2()).Concat(Run3())), CancellationToken.None));

        Assert.True((await SnapshotAsync(full)).SameAs(await SnapshotAsync(once)));
    }

    [Fact]
    public async Task A_repeated_load_adds_nothing_and_changes_no_metric()
    {
        var w = await FullLoadsAsync();
        var before = await SnapshotAsync(w);

        Assert.Equal(new WarehouseLoadResult(194, 0), await w.LoadAsync("r3", AsyncStream.Of(Products(Run2Prices, Run3Prices)),
            AsyncStream.Of(First().Concat(Run2()).Concat(Run3())), CancellationToken.None));
        Assert.Equal(new WarehouseLoadResult(1, 0), await w.LoadAsync("r3-retry",
            AsyncStream.Of(Products(Run2Prices, Run3Prices).Where(p => p.Id == "dummyjson:1")), AsyncStream.Of(Run3()), CancellationToken.None));

        Assert.True(before.SameAs(await SnapshotAsync(w)));
        Assert.Equal(ExpectedChanges, before.Changes);
    }

    [Fact]
    public async Task Loads_out_of_time_order_recompute_the_changes_they_affect()
    {
        var w = NewWarehouse();
        await w.LoadAsync("r1", AsyncStream.Of(Products()), AsyncStream.Of(First()), CancellationToken.None);
        // Run 3's observation arrives before run 2's: 9.99 → 9.49 first, then run 2 slots in between.
        await w.LoadAsync("r3", AsyncStream.Of(Products(Run2Prices, Run3Prices)), AsyncStream.Of(Run3()), CancellationToken.None);
        Assert.Equal(new PriceChange("dummyjson:1", "Essence Mascara Lash Princess", "beauty", 9.99m, 9.49m, -5.01m, T3),
            Assert.Single(await w.PriceChangesAsync(null, 10, CancellationToken.None)));

        await w.LoadAsync("r2", AsyncStream.Of(Products(Run2Prices, Run3Prices).Where(p => Run2Prices.ContainsKey(p.Id))), AsyncStream.Of(Run2()), CancellationToken.None);

        Assert.Equal(ExpectedChanges, await w.PriceChangesAsync(null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Duplicate_keys_within_a_load_keep_the_first_row()
    {
        foreach (var firstLoadEmpty in new[] { true, false })
        {
            var w = NewWarehouse(new DuckDbWarehouseOptions { ChunkRows = 1_000 });
            if (!firstLoadEmpty) await w.LoadAsync("r0", AsyncStream.Of(Products().Take(1)), AsyncStream.Of(First().Take(1)), CancellationToken.None);
            var products = Products();
            var twice = products.Concat(products.Select(p => p with { Price = p.Price + 100 })).ToList();
            var observations = First().Concat(First().Select(o => o with { Price = o.Price + 100 })).ToList();

            var result = await w.LoadAsync("r1", AsyncStream.Of(twice), AsyncStream.Of(observations), CancellationToken.None);

            Assert.Equal(194, result.ProductsLoaded);
            Assert.Equal(firstLoadEmpty ? 194 : 193, result.ObservationsLoaded);
            Assert.Equal(194, (await w.TopCategoriesAsync(null, 100, CancellationToken.None)).Sum(c => c.ProductCount));
            Assert.Equal(new CheapProduct("dummyjson:31", "Lemon", "groceries", 0.79m),
                (await w.CheapestProductsAsync(null, null, 1, CancellationToken.None))[0]);
            Assert.Equal([new PricePoint(9.99m, T1, "run-1")], await w.PriceHistoryAsync("dummyjson:1", CancellationToken.None));
            Assert.Empty(await w.PriceChangesAsync(null, 10, CancellationToken.None));
        }
    }

    /// <summary>Synthetic rows: <paramref name="count"/> products whose price is <c>id + epoch</c> (every price moves each epoch).</summary>
    private static IEnumerable<Product> Synthetic(int count, int epoch) => Enumerable.Range(1, count).Select(id => new Product
    {
        Source = "synthetic", SourceId = id.ToString(CultureInfo.InvariantCulture), Title = $"Product {id}",
        Category = $"category-{id % 7}", Price = id + epoch, Rating = 4.5m, Stock = 3, ContentHash = $"h{id}-{epoch}", LastChanged = T1,
    });

    private static IEnumerable<PriceObservation> SyntheticObservations(int count, int epoch) => Enumerable.Range(1, count)
        .Select(id => new PriceObservation($"synthetic:{id}", id + epoch, T1.AddHours(epoch), $"run-{epoch}"));

    [Fact]
    public async Task Loads_in_many_small_chunks_under_a_small_memory_limit()
    {
        var w = NewWarehouse(new DuckDbWarehouseOptions { ChunkRows = 1_000, MemoryLimit = "48MB" });
        Assert.Equal(new WarehouseLoadResult(30_000, 30_000),
            await w.LoadAsync("e1", AsyncStream.Of(Synthetic(30_000, 1)), AsyncStream.Of(SyntheticObservations(30_000, 1)), CancellationToken.None));
        // The next epoch goes through the staged, chunked merges: 30 chunks of products, 30 of observations, and the
        // change recomputation in buckets of 4,000 observations.
        Assert.Equal(new WarehouseLoadResult(30_000, 30_000),
            await w.LoadAsync("e2", AsyncStream.Of(Synthetic(30_000, 2)), AsyncStream.Of(SyntheticObservations(30_000, 1).Concat(SyntheticObservations(30_000, 2))), CancellationToken.None));

        Assert.Equal(30_000, (await w.TopCategoriesAsync(null, 100, CancellationToken.None)).Sum(c => c.ProductCount));
        Assert.Equal(new CheapProduct("synthetic:1", "Product 1", "category-1", 3m), (await w.CheapestProductsAsync(null, null, 1, CancellationToken.None))[0]);
        var newest = await w.PriceChangesAsync(null, 1000, CancellationToken.None);
        Assert.Equal(1000, newest.Count);
        Assert.All(newest, c => Assert.Equal((c.NewPrice - 1, T1.AddHours(2)), (c.OldPrice, c.ObservedAt)));
        Assert.Equal(1000, newest.Select(c => c.Id).Distinct().Count());
        Assert.Equal([new PricePoint(12m, T1.AddHours(1), "run-1"), new PricePoint(13m, T1.AddHours(2), "run-2")],
            await w.PriceHistoryAsync("synthetic:11", CancellationToken.None));
    }

    [Fact]
    public async Task The_cheapest_products_are_right_after_an_incremental_load_replaces_checkpointed_rows()
    {
        var w = NewWarehouse(new DuckDbWarehouseOptions { ChunkRows = 1_000 });
        await w.LoadAsync("e1", AsyncStream.Of(Synthetic(5_000, 1)), AsyncStream.Of(SyntheticObservations(5_000, 1)), CancellationToken.None);
        // The next epoch changed the first 1,000 products only (an incremental load): the merge deletes their rows from
        // the checkpointed table and appends them again. DuckDB 1.5.6's row-group pruner then answered LIMIT 1 with
        // synthetic:1001 at 1,002 instead of synthetic:1 at 3.
        await w.LoadAsync("e2", AsyncStream.Of(Synthetic(1_000, 2)), AsyncStream.Of(SyntheticObservations(1_000, 2)), CancellationToken.None);

        var one = await w.CheapestProductsAsync(null, null, 1, CancellationToken.None);
        Assert.Equal([new CheapProduct("synthetic:1", "Product 1", "category-1", 3m)], one);
        var ten = await w.CheapestProductsAsync(null, null, 10, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 10).Select(id => id + 2m), ten.Select(p => p.Price));
        var inCategory = await w.CheapestProductsAsync(null, "category-3", 2, CancellationToken.None);
        Assert.Equal(["synthetic:3", "synthetic:10"], inCategory.Select(p => p.Id));
    }

    private static long WalBytes(string path) => File.Exists(path + ".wal") ? new FileInfo(path + ".wal").Length : 0;

    [Fact]
    public async Task Each_committed_chunk_is_checkpointed_into_the_database_file()
    {
        var path = Path.Combine(_dir.Path, "checkpointed.duckdb");
        await using var w = new DuckDbWarehouse(path, _clock, new DuckDbWarehouseOptions { ChunkRows = 1_000 });
        await w.LoadAsync("e1", AsyncStream.Of(Synthetic(5_000, 1)), AsyncStream.Of(SyntheticObservations(5_000, 1)), CancellationToken.None);

        // Nothing the load committed is left in the WAL only: it was written into the file, chunk by chunk.
        Assert.Equal(0, WalBytes(path));
        Assert.Equal(5_000, (await w.TopCategoriesAsync(null, 100, CancellationToken.None)).Sum(c => c.ProductCount));
    }

    [Fact]
    public async Task A_load_beside_an_open_read_transaction_commits_everything_and_the_reader_keeps_its_snapshot()
    {
        var path = Path.Combine(_dir.Path, "reader.duckdb");
        await using var w = new DuckDbWarehouse(path, _clock, new DuckDbWarehouseOptions { ChunkRows = 1_000 });
        await w.EnsureSchemaAsync(CancellationToken.None);
        // A reader on the same database instance holds a transaction open for the whole load (a long dashboard query):
        // DuckDB refuses checkpoints meanwhile, and the load must not fail for it.
        using (var reader = new DuckDBConnection($"Data Source={path}"))
        {
            reader.Open();
            using (var begin = reader.CreateCommand())
            {
                begin.CommandText = "BEGIN TRANSACTION; SELECT count(*) FROM products;";
                begin.ExecuteNonQuery();
            }
            Assert.Equal(new WarehouseLoadResult(5_000, 5_000),
                await w.LoadAsync("e1", AsyncStream.Of(Synthetic(5_000, 1)), AsyncStream.Of(SyntheticObservations(5_000, 1)), CancellationToken.None));
            using (var count = reader.CreateCommand())
            {
                // The reader's snapshot is still the empty warehouse, checkpoints or not.
                count.CommandText = "SELECT count(*) FROM products";
                Assert.Equal(0L, Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture));
            }
            using var rollback = reader.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        Assert.Equal(5_000, (await w.TopCategoriesAsync(null, 100, CancellationToken.None)).Sum(c => c.ProductCount));
        Assert.Equal([new PricePoint(12m, T1.AddHours(1), "run-1")], await w.PriceHistoryAsync("synthetic:11", CancellationToken.None));
        await w.LoadAsync("e2", AsyncStream.Of(Synthetic(5_000, 2)), AsyncStream.Of(SyntheticObservations(5_000, 2)), CancellationToken.None);
        Assert.Equal([new PricePoint(12m, T1.AddHours(1), "run-1"), new PricePoint(13m, T1.AddHours(2), "run-2")],
            await w.PriceHistoryAsync("synthetic:11", CancellationToken.None));
    }

    [Fact]
    public async Task Reads_run_during_a_load_and_always_see_every_product_once()
    {
        var w = NewWarehouse(new DuckDbWarehouseOptions { ChunkRows = 1_000 });
        await w.LoadAsync("e1", AsyncStream.Of(Synthetic(10_000, 1)), AsyncStream.Of(SyntheticObservations(10_000, 1)), CancellationToken.None);
        var counts = new List<long>();
        var cheapest = new List<decimal>();

        // The next epoch's products stream reads the warehouse itself every 1,000 products, i.e. while the load holds
        // the writer and has committed some chunks and not others. A read that waited for the load would never end.
        async IAsyncEnumerable<Product> ReadingWhileLoading()
        {
            var n = 0;
            foreach (var p in Synthetic(10_000, 2))
            {
                if (n++ % 1_000 == 500)
                {
                    var categories = await w.TopCategoriesAsync(null, 100, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                    counts.Add(categories.Sum(c => c.ProductCount));
                    cheapest.Add((await w.CheapestProductsAsync(null, null, 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)))[0].Price);
                }
                yield return p;
            }
        }

        await w.LoadAsync("e2", ReadingWhileLoading(), AsyncStream.Of(SyntheticObservations(10_000, 2)), CancellationToken.None);

        Assert.Equal(10, counts.Count);
        Assert.All(counts, c => Assert.Equal(10_000, c));
        // synthetic:1 is in the first chunk: the first read sees it at epoch 1 (price 2), later reads after its chunk committed (3).
        Assert.Equal(2m, cheapest[0]);
        Assert.All(cheapest.Skip(1), p => Assert.Equal(3m, p));
        Assert.Equal(10_000, (await w.TopCategoriesAsync(null, 100, CancellationToken.None)).Sum(c => c.ProductCount));
    }

    [Fact]
    public async Task Disposing_closes_the_database_so_another_instance_reads_what_was_loaded()
    {
        var path = Path.Combine(_dir.Path, "closed.duckdb");
        var first = new DuckDbWarehouse(path, _clock);
        await first.LoadAsync("r1", AsyncStream.Of(Products()), AsyncStream.Of(First()), CancellationToken.None);

        await first.DisposeAsync();
        await first.DisposeAsync();
        first.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.AsOfAsync(CancellationToken.None));
        // Nothing of the first instance holds the file: a plain connection opens it and finds the rows.
        using (var connection = new DuckDBConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM products";
            Assert.Equal(194L, Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
        }
        await using var second = new DuckDbWarehouse(path, _clock);
        Assert.Equal(T1.AddMinutes(5), await second.AsOfAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_container_disposes_the_warehouse_it_created()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = _dir.Path,
            ["Pipeline:Warehouse:Provider"] = "DuckDb",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddPipelineCore(configuration).AddLocalAdapters(configuration);
        IWarehouse warehouse;
        await using (var provider = services.BuildServiceProvider())
        {
            warehouse = provider.GetRequiredService<IWarehouse>();
            Assert.IsType<DuckDbWarehouse>(warehouse);
            Assert.Null(await warehouse.AsOfAsync(CancellationToken.None));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => warehouse.AsOfAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_first_version_file_is_migrated_with_its_changes()
    {
        var path = Path.Combine(_dir.Path, "v1.duckdb");
        Directory.CreateDirectory(_dir.Path);
        using (var connection = new DuckDBConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE products (
                    product_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, title VARCHAR NOT NULL,
                    category VARCHAR NOT NULL, brand VARCHAR, price DECIMAL(38,9) NOT NULL, rating DECIMAL(38,9), stock BIGINT,
                    availability VARCHAR, content_hash VARCHAR NOT NULL, last_changed TIMESTAMP NOT NULL, refresh_id VARCHAR NOT NULL,
                    loaded_at TIMESTAMP NOT NULL);
                CREATE TABLE price_observations (
                    product_id VARCHAR NOT NULL, source VARCHAR NOT NULL, run_id VARCHAR NOT NULL, price DECIMAL(38,9) NOT NULL,
                    previous_price DECIMAL(38,9), observed_at TIMESTAMP NOT NULL, PRIMARY KEY (product_id, run_id));
                INSERT INTO products VALUES ('s:1', 's', '1', 'One', 'c', NULL, 10.5, NULL, 1, NULL, 'h', TIMESTAMP '2025-01-01', 'r', TIMESTAMP '2025-01-02');
                INSERT INTO price_observations VALUES ('s:1', 's', 'run-1', 10, NULL, TIMESTAMP '2025-01-01'),
                    ('s:1', 's', 'run-2', 10.5, 10, TIMESTAMP '2025-01-02');
                """;
            command.ExecuteNonQuery();
        }
        var w = new DuckDbWarehouse(path, _clock);
        _warehouses.Add(w);

        // Migrated on opening, with every product marked: the next load computes the changes from the histories.
        Assert.Equal(2, (await w.CountsAsync(CancellationToken.None)).Single().Observations);
        Assert.Equal(new WarehouseLoadResult(1, 0), await w.LoadAsync("again", AsyncStream.Of(new[]
        {
            new Product { Source = "s", SourceId = "1", Title = "One", Category = "c", Price = 10.5m, ContentHash = "h", LastChanged = T1 },
        }), AsyncStream.Of(new[] { new PriceObservation("s:1", 10.5m, new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero), "run-2") }), CancellationToken.None));
        Assert.Equal([new PriceChange("s:1", "One", "c", 10m, 10.5m, 5m, new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero))],
            await w.PriceChangesAsync(null, 10, CancellationToken.None));
        Assert.Equal(1, (await w.TopCategoriesAsync(null, 10, CancellationToken.None)).Single().ProductCount);
    }
}
