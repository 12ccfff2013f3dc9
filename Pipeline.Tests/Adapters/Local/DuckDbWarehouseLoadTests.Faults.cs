using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// Loads that fail part way (the input breaks, the temporary folder is full) and the load after them: nothing is lost
/// and nothing is counted twice, the price changes included; and a version-2 file gains each product's latest price.
/// </summary>
public sealed partial class DuckDbWarehouseLoadTests
{
    /// <summary>The items of <paramref name="items"/>, then an I/O error after <paramref name="failAfter"/> of them (a broken store read).</summary>
    private static async IAsyncEnumerable<T> Breaking<T>(IEnumerable<T> items, int failAfter)
    {
        var count = 0;
        foreach (var item in items)
        {
            if (count++ == failAfter) throw new IOException($"the store read broke after {failAfter} rows");
            await Task.Yield();
            yield return item;
        }
    }

    /// <summary>Counts of the warehouse file's tables, read with a plain connection after the adapter closed it.</summary>
    private static Dictionary<string, long> TableCounts(string path)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        var counts = new Dictionary<string, long>();
        foreach (var table in new[] { "products", "price_observations", "price_changes", "price_latest", "price_changes_pending" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table}";
            counts[table] = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        using (var distinct = connection.CreateCommand())
        {
            distinct.CommandText = "SELECT count(*) FROM (SELECT DISTINCT product_id, run_id FROM price_changes)";
            counts["distinct price_changes"] = Convert.ToInt64(distinct.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        return counts;
    }

    [Fact]
    public async Task A_load_that_breaks_part_way_is_completed_by_the_next_with_every_change_once()
    {
        var options = new DuckDbWarehouseOptions { ChunkRows = 1_000 };
        var broken = Path.Combine(_dir.Path, "broken.duckdb");
        var clean = Path.Combine(_dir.Path, "clean.duckdb");
        await using (var w = new DuckDbWarehouse(broken, _clock, options))
        {
            await w.LoadAsync("e1", AsyncStream.Of(Synthetic(10_000, 1)), AsyncStream.Of(SyntheticObservations(10_000, 1)), CancellationToken.None);
            // The next epoch (every price moves) breaks after 5,500 observations: five chunks of 1,000 committed.
            var error = await Assert.ThrowsAsync<IOException>(() => w.LoadAsync("e2-broken",
                AsyncStream.Of(Synthetic(10_000, 2)), Breaking(SyntheticObservations(10_000, 2), 5_500), CancellationToken.None));
            Assert.Contains("broke after 5500", error.Message);
            Assert.Equal(new SourceCounts("synthetic", 10_000, 15_000), Assert.Single(await w.CountsAsync(CancellationToken.None)));

            // The retry sees every row again: it inserts only what is missing, and the changes of the rows the broken
            // load committed are there too (they committed with their observations).
            var retry = await w.LoadAsync("e2", AsyncStream.Of(Synthetic(10_000, 2)), AsyncStream.Of(SyntheticObservations(10_000, 2)), CancellationToken.None);
            Assert.Equal(new WarehouseLoadResult(10_000, 5_000), retry);
            Assert.Equal(new SourceCounts("synthetic", 10_000, 20_000), Assert.Single(await w.CountsAsync(CancellationToken.None)));
            Assert.Equal(new WarehouseLoadResult(10_000, 0),
                await w.LoadAsync("e2-again", AsyncStream.Of(Synthetic(10_000, 2)), AsyncStream.Of(SyntheticObservations(10_000, 2)), CancellationToken.None));
        }
        await using (var w = new DuckDbWarehouse(clean, _clock, options))
        {
            await w.LoadAsync("e1", AsyncStream.Of(Synthetic(10_000, 1)), AsyncStream.Of(SyntheticObservations(10_000, 1)), CancellationToken.None);
            await w.LoadAsync("e2", AsyncStream.Of(Synthetic(10_000, 2)), AsyncStream.Of(SyntheticObservations(10_000, 2)), CancellationToken.None);
        }

        var counts = TableCounts(broken);
        Assert.Equal(TableCounts(clean), counts);
        Assert.Equal(10_000, counts["price_changes"]);
        Assert.Equal(10_000, counts["distinct price_changes"]);
        Assert.Equal(0, counts["price_changes_pending"]);
        await using var reopened = new DuckDbWarehouse(broken, _clock, options);
        await using var reference = new DuckDbWarehouse(clean, _clock, options);
        Assert.True((await SnapshotAsync(reference)).SameAs(await SnapshotAsync(reopened)));
    }

    [Fact]
    public async Task A_load_whose_temporary_folder_is_full_fails_clearly_and_the_next_load_completes_it()
    {
        var path = Path.Combine(_dir.Path, "capped.duckdb");
        await using (var seeded = new DuckDbWarehouse(path, _clock))
            await seeded.LoadAsync("e1", AsyncStream.Of(Synthetic(50_000, 1)), AsyncStream.Of(SyntheticObservations(50_000, 1)), CancellationToken.None);

        // Chunks far larger than the memory limit must spill, and the folder they spill to holds 1 MB.
        await using (var capped = new DuckDbWarehouse(path, _clock,
                         new DuckDbWarehouseOptions { MemoryLimit = "16MB", ChunkRows = 200_000, MaxTempDirectorySize = "1MB" }))
        {
            var error = await Assert.ThrowsAsync<DuckDbWarehouseException>(() => capped.LoadAsync("e2-capped",
                AsyncStream.Of(Synthetic(50_000, 2)), AsyncStream.Of(SyntheticObservations(50_000, 2)), CancellationToken.None));
            Assert.Contains("temporary folder", error.Message);
            Assert.Contains("MaxTempDirectorySize is 1MB", error.Message);
        }

        await using var w = new DuckDbWarehouse(path, _clock);
        await w.LoadAsync("e2", AsyncStream.Of(Synthetic(50_000, 2)), AsyncStream.Of(SyntheticObservations(50_000, 2)), CancellationToken.None);
        Assert.Equal(new SourceCounts("synthetic", 50_000, 100_000), Assert.Single(await w.CountsAsync(CancellationToken.None)));
        await w.DisposeAsync();
        var counts = TableCounts(path);
        Assert.Equal(50_000, counts["price_changes"]);
        Assert.Equal(50_000, counts["distinct price_changes"]);
        Assert.Equal(50_000, counts["price_latest"]);
    }

    [Fact]
    public async Task Out_of_order_observations_are_marked_pending_in_their_chunk_and_recomputed_by_the_next_load_if_one_fails()
    {
        var path = Path.Combine(_dir.Path, "pending.duckdb");
        var options = new DuckDbWarehouseOptions { ChunkRows = 1_000 };
        await using (var w = new DuckDbWarehouse(path, _clock, options))
        {
            await w.LoadAsync("e1", AsyncStream.Of(Synthetic(3_000, 1)), AsyncStream.Of(SyntheticObservations(3_000, 1)), CancellationToken.None);
            await w.LoadAsync("e3", AsyncStream.Of(Synthetic(3_000, 3)), AsyncStream.Of(SyntheticObservations(3_000, 3)), CancellationToken.None);
            // Epoch 2's observations arrive last, older than each product's latest: every product is marked pending in
            // the chunk that inserts its observation; the load then breaks before the recomputation.
            await Assert.ThrowsAsync<IOException>(() => w.LoadAsync("e2-broken",
                AsyncStream.Of(Synthetic(3_000, 3)), Breaking(SyntheticObservations(3_000, 2), 2_500), CancellationToken.None));
        }
        Assert.Equal(2_000, TableCounts(path)["price_changes_pending"]);

        await using (var w = new DuckDbWarehouse(path, _clock, options))
            await w.LoadAsync("e2", AsyncStream.Of(Synthetic(3_000, 3)), AsyncStream.Of(SyntheticObservations(3_000, 2)), CancellationToken.None);

        var counts = TableCounts(path);
        Assert.Equal(0, counts["price_changes_pending"]);
        // Two changes a product (epoch 1 → 2 → 3), whatever order they came in.
        Assert.Equal(6_000, counts["price_changes"]);
        Assert.Equal(6_000, counts["distinct price_changes"]);
        await using var reopened = new DuckDbWarehouse(path, _clock, options);
        Assert.Equal([new PricePoint(12m, T1.AddHours(1), "run-1"), new PricePoint(13m, T1.AddHours(2), "run-2"), new PricePoint(14m, T1.AddHours(3), "run-3")],
            await reopened.PriceHistoryAsync("synthetic:11", CancellationToken.None));
        var newest = await reopened.PriceChangesAsync("synthetic", 1, CancellationToken.None);
        Assert.Equal(("synthetic:1", 3m, 4m, T1.AddHours(3)), (newest[0].Id, newest[0].OldPrice, newest[0].NewPrice, newest[0].ObservedAt));
    }

    [Fact]
    public async Task A_second_version_file_gets_back_the_changes_its_loads_lost_and_loads_on_from_each_products_latest_price()
    {
        var path = Path.Combine(_dir.Path, "v2.duckdb");
        await using (var w = new DuckDbWarehouse(path, _clock))
            await w.LoadAsync("e1", AsyncStream.Of(Synthetic(100, 1)), AsyncStream.Of(SyntheticObservations(100, 1).Concat(SyntheticObservations(100, 2))), CancellationToken.None);
        using (var connection = new DuckDBConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // As a version-2 load that failed between its observations and their changes left it: no change rows.
            command.CommandText = "DROP TABLE price_latest; DROP TABLE price_changes_pending; DELETE FROM price_changes; UPDATE warehouse_schema SET version = 2;";
            command.ExecuteNonQuery();
        }

        await using (var w = new DuckDbWarehouse(path, _clock))
            Assert.Equal(new WarehouseLoadResult(100, 100),
                await w.LoadAsync("e3", AsyncStream.Of(Synthetic(100, 3)), AsyncStream.Of(SyntheticObservations(100, 3)), CancellationToken.None));

        var counts = TableCounts(path);
        Assert.Equal(100, counts["price_latest"]);
        Assert.Equal(200, counts["price_changes"]);
        await using var reopened = new DuckDbWarehouse(path, _clock);
        var newest = await reopened.PriceChangesAsync(null, 100, CancellationToken.None);
        Assert.All(newest, c => Assert.Equal((c.NewPrice - 1, T1.AddHours(3)), (c.OldPrice, c.ObservedAt)));
    }

    [Fact]
    public async Task The_newest_changes_are_the_same_whichever_time_window_holds_them()
    {
        var w = NewWarehouse(new DuckDbWarehouseOptions { ChunkRows = 1_000 });
        // Changes at T1+2h (epoch 2), T1+3h (epoch 3) and T1+50h (epoch 50): the last hour before the newest holds 300, the
        // last day the same, the last month all 900.
        foreach (var epoch in new[] { 1, 2, 3, 50 })
            await w.LoadAsync($"e{epoch}", AsyncStream.Of(Synthetic(300, epoch)), AsyncStream.Of(SyntheticObservations(300, epoch)), CancellationToken.None);
        var expected = new[] { 50, 3, 2 }
            .SelectMany(epoch => Enumerable.Range(1, 300).Select(id => (Id: $"synthetic:{id}", At: T1.AddHours(epoch))).OrderBy(c => c.Id, StringComparer.Ordinal))
            .ToList();

        foreach (var limit in new[] { 1, 299, 300, 301, 900, 1000 })
        {
            var changes = await w.PriceChangesAsync(null, limit, CancellationToken.None);
            Assert.Equal(expected.Take(limit), changes.Select(c => (c.Id, c.ObservedAt)));
            Assert.Equal(changes, await w.PriceChangesAsync("synthetic", limit, CancellationToken.None));
        }
        Assert.Empty(await w.PriceChangesAsync("dummyjson", 10, CancellationToken.None));
    }
}
