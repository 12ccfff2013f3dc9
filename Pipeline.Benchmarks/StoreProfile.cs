using System.Diagnostics;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;

namespace Pipeline.Benchmarks;

/// <summary>
/// The store and the warehouse load on their own, one call at a time: upserts of new and of unchanged products, the
/// scans the refresh reads, and the DuckDB load from memory and from the store. Wall and process CPU time.
/// </summary>
public static class StoreProfile
{
    /// <param name="only"><c>pipeline</c>: only the pipeline's way (bulk load by concurrent callers, index builds, next epoch);
    /// <c>floor</c>: a first load against SQLite's floor for the same rows (<see cref="StoreFloor"/>).</param>
    public static async Task RunAsync(int products, int chunk, string? only = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "store-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var storeDb = new SqliteDatabase(Path.Combine(dir, "store.db"));
            var store = new SqliteProductStore(storeDb);
            await store.EnsureCreatedAsync(CancellationToken.None);
            var warehouse = new DuckDbWarehouse(Path.Combine(dir, "warehouse.duckdb"), TimeProvider.System);
            await warehouse.EnsureSchemaAsync(CancellationToken.None);
            var now = DateTimeOffset.UtcNow;
            var all = new List<Product>(products);
            for (var skip = 0; skip < products; skip += 100)
                all.AddRange(CatalogPageParser.Parse(SyntheticSource.GeneratePage(42, 1, products, skip, 100), CatalogFormat.DummyJson,
                    new ParseContext("synthetic", "run-1", "k", now)).Products);
            var moved = new List<Product>(products);
            for (var skip = 0; skip < products; skip += 100)
                moved.AddRange(CatalogPageParser.Parse(SyntheticSource.GeneratePage(42, 2, products, skip, 100), CatalogFormat.DummyJson,
                    new ParseContext("synthetic", "run-2", "k", now.AddHours(6))).Products);

            var table = new Table($"Store and warehouse profile: {products:N0} Synthetic products, chunks of {chunk}", "operation", "wall s", "CPU s", "products/s (wall)", "µs CPU/product",
                "writer busy s", "writer on CPU s");
            // The SQLite file whose single writer the operations being timed use: its time in transactions is the serial part.
            var writerOf = storeDb;
            async Task Time(string name, Func<Task<long>> work)
            {
                GC.Collect();
                var cpu = CpuClock.ProcessSeconds();
                var busy = writerOf.WriterBusy;
                var busyCpu = writerOf.WriterBusyCpu;
                var started = Stopwatch.GetTimestamp();
                var count = await work();
                var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var cpuSeconds = CpuClock.ProcessSeconds() - cpu;
                table.Add(name, wall, cpuSeconds, count / wall, cpuSeconds * 1e6 / count, (writerOf.WriterBusy - busy).TotalSeconds,
                    (writerOf.WriterBusyCpu - busyCpu).TotalSeconds);
            }
            async Task<long> Upsert(List<Product> list, string run, DateTimeOffset at)
            {
                for (var i = 0; i < list.Count; i += chunk)
                    await store.UpsertAsync(list.GetRange(i, Math.Min(chunk, list.Count - i)), run, at, CancellationToken.None);
                return list.Count;
            }
            if (only == "floor")
            {
                await StoreFloor.RunAsync(dir, all, now, db => writerOf = db, Time);
                Report.Print(table);
                return;
            }
            if (only != "pipeline")
            {
                await Time("UpsertAsync, new products", () => Upsert(all, "run-1", now));
                await Time("UpsertAsync, unchanged products", () => Upsert(all, "run-1b", now.AddHours(1)));
                await Time("UpsertAsync, next epoch (~10% price changes)", () => Upsert(moved, "run-2", now.AddHours(6)));
                await Time("ScanAsync (all products)", async () => { long n = 0; await foreach (var _ in store.ScanAsync(CancellationToken.None)) n++; return n; });
                await Time("ScanPriceObservationsAsync", async () => { long n = 0; await foreach (var _ in store.ScanPriceObservationsAsync(CancellationToken.None)) n++; return n; });
                var observations = new List<PriceObservation>();
                await foreach (var o in store.ScanPriceObservationsAsync(CancellationToken.None)) observations.Add(o);
                await Time("DuckDbWarehouse.LoadAsync from memory (empty warehouse)", async () =>
                    (await warehouse.LoadAsync("wr-1", ToAsync(moved), ToAsync(observations), CancellationToken.None)).ProductsLoaded);
                await Time("DuckDbWarehouse.LoadAsync from memory (same again: all replaced)", async () =>
                    (await warehouse.LoadAsync("wr-2", ToAsync(moved), ToAsync(observations), CancellationToken.None)).ProductsLoaded);
                await Time("DuckDbWarehouse.LoadAsync from the store scans", async () =>
                    (await warehouse.LoadAsync("wr-3", store.ScanAsync(CancellationToken.None), store.ScanPriceObservationsAsync(CancellationToken.None), CancellationToken.None)).ProductsLoaded);
                // The same new-product upserts into a store without the four product indexes and the observations' feed-position
                // index: what the secondary B-trees cost (the queries need them; this only measures them).
                var bare = new SqliteDatabase(Path.Combine(dir, "store-no-indexes.db"));
                var bareStore = new SqliteProductStore(bare);
                writerOf = bare;
                await bareStore.EnsureCreatedAsync(CancellationToken.None);
                await bare.ExecuteAsync("DROP INDEX products_title; DROP INDEX products_price; DROP INDEX products_category_price; " +
                                        "DROP INDEX products_source_title; DROP INDEX price_observations_change;", CancellationToken.None);
                await Time("UpsertAsync, new products, without the secondary indexes (experiment)", async () =>
                {
                    for (var i = 0; i < all.Count; i += chunk)
                        await bareStore.UpsertAsync(all.GetRange(i, Math.Min(chunk, all.Count - i)), "run-1", now, CancellationToken.None);
                    return all.Count;
                });
            }
            // What the pipeline does: a bulk load (sort indexes deferred) written by concurrent callers, so the writer
            // commits their pages in groups; then the index builds, and the next epoch by concurrent callers.
            var bulkDb = new SqliteDatabase(Path.Combine(dir, "store-bulk.db"));
            var bulkStore = new SqliteProductStore(bulkDb);
            writerOf = bulkDb;
            await bulkStore.EnsureCreatedAsync(CancellationToken.None);
            async Task<long> Concurrently(SqliteProductStore target, List<Product> list, string run, DateTimeOffset at)
            {
                await Parallel.ForAsync(0, (list.Count + chunk - 1) / chunk, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
                    await target.UpsertAsync(list.GetRange(i * chunk, Math.Min(chunk, list.Count - i * chunk)), run, at, ct));
                return list.Count;
            }
            await bulkStore.BeginBulkLoadAsync(all.Count, CancellationToken.None);
            await Time("UpsertAsync, new products, bulk load, 8 concurrent callers", () => Concurrently(bulkStore, all, "run-1", now));
            await Time("EndBulkLoadAsync (four index builds)", async () => { await bulkStore.EndBulkLoadAsync(CancellationToken.None); return all.Count; });
            await Time("ScanChangedAsync (the refresh's product scan, everything)", async () => { long n = 0; await foreach (var _ in bulkStore.ScanChangedAsync(-1, long.MaxValue, CancellationToken.None)) n++; return n; });
            await Time("ScanObservationsAddedAsync (the refresh's observation scan, everything)", async () => { long n = 0; await foreach (var _ in bulkStore.ScanObservationsAddedAsync(-1, long.MaxValue, CancellationToken.None)) n++; return n; });
            await Time("DuckDbWarehouse.LoadAsync from the refresh's scans, read ahead as the refresh does (empty warehouse)", async () =>
                (await warehouse.LoadAsync("wr-p", bulkStore.ScanChangedAsync(-1, long.MaxValue, CancellationToken.None).Buffered(),
                    bulkStore.ScanObservationsAddedAsync(-1, long.MaxValue, CancellationToken.None).Buffered(), CancellationToken.None)).ProductsLoaded);
            await Time("UpsertAsync, next epoch, 8 concurrent callers", () => Concurrently(bulkStore, moved, "run-2", now.AddHours(6)));
            Report.Print(table);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> items)
    {
        foreach (var item in items) yield return item;
        await Task.CompletedTask;
    }
}
