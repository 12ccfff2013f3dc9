using System.Diagnostics;
using DuckDB.NET.Data;
using System.Globalization;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Benchmarks;

/// <summary>Benchmark 3: the Products page's query on the store, and the warehouse's metric queries, median and p95.</summary>
public static class QueryBench
{
    /// <summary>The Products page: sorted by price, filtered by category, 50 a page, following next (and previous) tokens.</summary>
    public static async Task StoreAsync(IProductStore store, long productCount, int rounds)
    {
        var categories = await store.ListCategoriesAsync(null, CancellationToken.None);
        var cases = new (string Name, Func<int, string?, ProductQuery> Query)[]
        {
            ("price ↑, category filter", (i, t) => new ProductQuery { Category = categories[i % categories.Count], Sort = ProductSort.PriceAscending, Limit = 50, PageToken = t }),
            ("price ↓, category filter", (i, t) => new ProductQuery { Category = categories[i % categories.Count], Sort = ProductSort.PriceDescending, Limit = 50, PageToken = t }),
            ("price ↑, source + category filter", (i, t) => new ProductQuery { Source = "synthetic", Category = categories[i % categories.Count], Sort = ProductSort.PriceAscending, Limit = 50, PageToken = t }),
            ("price ↑, no filter", (_, t) => new ProductQuery { Sort = ProductSort.PriceAscending, Limit = 50, PageToken = t }),
            ("title, no filter (default sort)", (_, t) => new ProductQuery { Sort = ProductSort.Title, Limit = 50, PageToken = t }),
        };
        var table = new Table($"Products page query (IProductStore.QueryAsync, SQLite) at {productCount:N0} products, 50 per page",
            "query", "calls", "first page median ms", "first page p95 ms", "next/previous page median ms", "next/previous page p95 ms");
        foreach (var (name, query) in cases)
        {
            var first = new List<double>();
            var paged = new List<double>();
            for (var round = -3; round < rounds; round++) // three warm-up rounds
            {
                var (page, ms) = await TimeAsync(() => store.QueryAsync(query(round + 3, null), CancellationToken.None));
                if (round >= 0) first.Add(ms);
                // Four pages on, then one back: what paging through the table does.
                for (var step = 0; step < 4 && page.NextPageToken is { } next; step++)
                {
                    (page, ms) = await TimeAsync(() => store.QueryAsync(query(round + 3, next), CancellationToken.None));
                    if (round >= 0) paged.Add(ms);
                }
                if (page.PreviousPageToken is { } previous)
                {
                    (_, ms) = await TimeAsync(() => store.QueryAsync(query(round + 3, previous), CancellationToken.None));
                    if (round >= 0) paged.Add(ms);
                }
            }
            first.Sort();
            paged.Sort();
            table.Add(name, first.Count + paged.Count, Report.Median(first), Report.Percentile(first, 0.95), Report.Median(paged), Report.Percentile(paged, 0.95));
        }
        Report.Print(table);
    }

    private static async Task<(T Result, double Ms)> TimeAsync<T>(Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await call();
        return (result, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// Fills a DuckDB warehouse with <paramref name="observations"/> price observations over a tenth as many products
    /// through <see cref="DuckDbWarehouse.LoadAsync"/> (the adapter's own schema and load path, price changes included),
    /// then times each metric query through the adapter, which keeps its database open as the app does.
    /// </summary>
    public static async Task WarehouseAsync(long observations, int calls)
    {
        var products = (int)Math.Max(1, observations / 10);
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "warehouse-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(dir, "warehouse.duckdb");
        try
        {
            await using var warehouse = new DuckDbWarehouse(path, TimeProvider.System, WarehouseLoadProfile.Options());
            var cpu = CpuClock.ProcessSeconds();
            var fill = Stopwatch.StartNew();
            var loaded = await GenerateAsync(warehouse, products, observations);
            Report.Note($"warehouse: loaded {loaded.ProductsLoaded:N0} products and {loaded.ObservationsLoaded:N0} observations in " +
                $"{fill.Elapsed.TotalSeconds:0.0} s ({CpuClock.ProcessSeconds() - cpu:0.0} CPU-s)");
            var newest = await warehouse.PriceChangesAsync(null, 1, CancellationToken.None);
            var since = newest.Count == 0 ? DateTimeOffset.UnixEpoch : newest[0].ObservedAt.AddDays(-1);
            var random = new Random(7);

            var cases = new (string Name, Func<Task<int>> Query)[]
            {
                ("TopCategories (all sources, top 10)", async () => (await warehouse.TopCategoriesAsync(null, 10, CancellationToken.None)).Count),
                ("TopCategories (one source, top 10)", async () => (await warehouse.TopCategoriesAsync("synthetic", 10, CancellationToken.None)).Count),
                ("CheapestProducts (all, top 10)", async () => (await warehouse.CheapestProductsAsync(null, null, 10, CancellationToken.None)).Count),
                ("CheapestProducts (one category, top 10)", async () => (await warehouse.CheapestProductsAsync(null, "laptops", 10, CancellationToken.None)).Count),
                ("PriceChanges (newest 20)", async () => (await warehouse.PriceChangesAsync(null, 20, CancellationToken.None)).Count),
                ("PriceChanges (newest 20, one source)", async () => (await warehouse.PriceChangesAsync("synthetic", 20, CancellationToken.None)).Count),
                ("BiggestMoves (drops, last day, top 10)", async () => (await warehouse.BiggestMovesAsync(null, since, drops: true, 10, CancellationToken.None)).Count),
                ("BiggestMoves (rises, all time, top 10)", async () => (await warehouse.BiggestMovesAsync(null, DateTimeOffset.UnixEpoch, drops: false, 10, CancellationToken.None)).Count),
                ("PriceHistory (one random product)", async () => (await warehouse.PriceHistoryAsync($"synthetic:{random.Next(1, products + 1)}", CancellationToken.None)).Count),
                ("AsOf", async () => (await warehouse.AsOfAsync(CancellationToken.None)) is null ? 0 : 1),
            };
            var table = new Table($"Warehouse metric queries (DuckDbWarehouse) at {observations:N0} price observations, {products:N0} products",
                "query", "calls", "rows", "median ms", "p95 ms", "CPU ms per call (mean)");
            foreach (var (name, query) in cases)
            {
                var rows = await query(); // warm-up
                var times = new List<double>();
                var queryCpu = CpuClock.ProcessSeconds();
                for (var i = 0; i < calls; i++) times.Add((await TimeAsync(query)).Ms);
                queryCpu = CpuClock.ProcessSeconds() - queryCpu;
                times.Sort();
                table.Add(name, calls, rows, Report.Median(times), Report.Percentile(times, 0.95), queryCpu * 1000 / calls);
            }
            Report.Print(table);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// One load of <paramref name="products"/> products and <paramref name="observations"/> observations, a tenth as many
    /// runs as observations per product: each run 6 hours after the previous one observes every product at a price
    /// within ±15% of its base price (so almost every observation is a change), the runs streamed in time order.
    /// </summary>
    internal static Task<WarehouseLoadResult> GenerateAsync(DuckDbWarehouse warehouse, int products, long observations)
    {
        var runs = (int)Math.Max(1, observations / products);
        return warehouse.LoadAsync("wr-generated", Products(products, runs), Observations(products, runs), CancellationToken.None);
    }

    private static decimal BasePrice(int id) => 1m + (uint)(id * 2654435761u) % 99_900 / 100m;

    private static decimal PriceAt(int id, int run)
    {
        if (run == 0) return BasePrice(id);
        var h = (uint)HashCode.Combine(id, run, 7);
        return Math.Round(BasePrice(id) * (100 + (int)(h % 31) - 15) / 100m, 2, MidpointRounding.AwayFromZero);
    }

    private static async IAsyncEnumerable<Product> Products(int count, int runs)
    {
        for (var id = 1; id <= count; id++) yield return WarehouseRows.Product(id, PriceAt(id, runs - 1), WarehouseRows.Start);
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<PriceObservation> Observations(int count, int runs)
    {
        for (var run = 0; run < runs; run++)
        {
            var runId = string.Create(CultureInfo.InvariantCulture, $"run-{run:D6}");
            for (var id = 1; id <= count; id++)
                yield return new PriceObservation(string.Create(CultureInfo.InvariantCulture, $"synthetic:{id}"), PriceAt(id, run),
                    WarehouseRows.Start.AddHours(6 * run).AddSeconds(id % 3600), runId) { PreviousPrice = run == 0 ? null : PriceAt(id, run - 1) };
        }
        await Task.CompletedTask;
    }

    /// <summary>EXPLAIN ANALYZE of a query over a generated warehouse (for profiling the metric queries).</summary>
    public static async Task ExplainAsync(long observations, string sql)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "explain-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(dir, "warehouse.duckdb");
        try
        {
            await using (var warehouse = new DuckDbWarehouse(path, TimeProvider.System))
            {
                await GenerateAsync(warehouse, (int)Math.Max(1, observations / 10), observations);
                using var connection = new DuckDBConnection($"Data Source={path}");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "EXPLAIN ANALYZE " + sql;
                var started = Stopwatch.GetTimestamp();
                using var reader = command.ExecuteReader();
                while (reader.Read()) Console.WriteLine(reader.GetString(1));
                Console.WriteLine($"{Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
