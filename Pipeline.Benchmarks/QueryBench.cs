using System.Diagnostics;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Core.Adapters.Local;
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
    /// Fills a DuckDB warehouse file (the adapter's own schema) with <paramref name="observations"/> price observations
    /// over a tenth as many products, by DuckDB SQL, then times the three metric queries through <see cref="DuckDbWarehouse"/>.
    /// </summary>
    public static async Task WarehouseAsync(long observations, int calls)
    {
        var products = Math.Max(1, observations / 10);
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "warehouse-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(dir, "warehouse.duckdb");
        var warehouse = new DuckDbWarehouse(path, TimeProvider.System);
        try
        {
            await warehouse.EnsureSchemaAsync(CancellationToken.None);
            var fill = Stopwatch.StartNew();
            Generate(path, products, observations);
            Report.Note($"warehouse: generated {products:N0} products and {observations:N0} observations in {fill.Elapsed.TotalSeconds:0.0} s");

            var cases = new (string Name, Func<Task<int>> Query)[]
            {
                ("TopCategories (all sources, top 10)", async () => (await warehouse.TopCategoriesAsync(null, 10, CancellationToken.None)).Count),
                ("CheapestProducts (all, top 10)", async () => (await warehouse.CheapestProductsAsync(null, null, 10, CancellationToken.None)).Count),
                ("CheapestProducts (one category, top 10)", async () => (await warehouse.CheapestProductsAsync(null, "laptops", 10, CancellationToken.None)).Count),
                ("PriceChanges (newest 20)", async () => (await warehouse.PriceChangesAsync(null, 20, CancellationToken.None)).Count),
                ("PriceChanges (newest 20), the original full lag() query, 3 calls", () => Task.FromResult(PriceChangesCheck.Query(path, null, 20).Count)),
            };
            var table = new Table($"Warehouse metric queries (DuckDbWarehouse) at {observations:N0} price observations, {products:N0} products",
                "query", "calls", "rows", "median ms", "p95 ms");
            foreach (var (name, query) in cases)
            {
                var rows = 0;
                var n = name.EndsWith("3 calls", StringComparison.Ordinal) ? 3 : calls;
                rows = await query(); // warm-up
                var times = new List<double>();
                for (var i = 0; i < n; i++) times.Add((await TimeAsync(query)).Ms);
                times.Sort();
                table.Add(name, n, rows, Report.Median(times), Report.Percentile(times, 0.95));
            }
            Report.Print(table);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    internal static void Generate(string path, long products, long observations)
    {
        var perProduct = Math.Max(1, observations / products);
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO products
            SELECT 'synthetic:' || i, 'synthetic', CAST(i AS VARCHAR), 'Product ' || i,
                   (['beauty','fragrances','furniture','groceries','home-decoration','kitchen-accessories','laptops','mens-shirts',
                     'mens-shoes','mens-watches','mobile-accessories','motorcycle','skin-care','smartphones','sports-accessories',
                     'sunglasses','tablets','tops','vehicle','womens-bags','womens-dresses','womens-jewellery','womens-shoes','womens-watches'])[1 + (hash(i, 2) % 24)::INTEGER],
                   CASE WHEN hash(i, 3) % 2 = 0 THEN 'Acme' END,
                   CAST(1 + (hash(i, 1) % 99900) / 100.0 AS DECIMAL(18,4)), CAST(1 + (hash(i, 4) % 400) / 100.0 AS DECIMAL(9,4)),
                   CAST(hash(i, 5) % 150 AS BIGINT), 'in-stock', md5(CAST(i AS VARCHAR)),
                   TIMESTAMP '2025-01-01', 'wr-generated', TIMESTAMP '2025-01-01'
            FROM range(1, {products + 1}) t(i);
            INSERT INTO price_observations
            WITH o AS (
                SELECT i, r, CAST((1 + (hash(i, 1) % 99900) / 100.0) * (CASE WHEN r = 0 THEN 1 ELSE 1 + ((hash(i, r, 7) % 31)::INTEGER - 15) / 100.0 END) AS DECIMAL(18,4)) AS price
                FROM range(1, {products + 1}) t(i), range(0, {perProduct}) s(r))
            SELECT 'synthetic:' || i, 'synthetic', 'run-' || lpad(CAST(r AS VARCHAR), 6, '0'), price,
                   lag(price) OVER (PARTITION BY i ORDER BY r), TIMESTAMP '2025-01-01' + to_hours(CAST(6 * r AS BIGINT)) + to_seconds(CAST(i % 3600 AS BIGINT))
            FROM o
            ORDER BY r, i; -- stored as refreshes append them: one run's observations after the previous run's
            CHECKPOINT;
            """;
        command.CommandTimeout = 0;
        command.ExecuteNonQuery();
    }

    /// <summary>EXPLAIN ANALYZE of a query over a generated warehouse (for profiling the metric queries).</summary>
    public static async Task ExplainAsync(long observations, string sql)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "explain-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(dir, "warehouse.duckdb");
        try
        {
            await new DuckDbWarehouse(path, TimeProvider.System).EnsureSchemaAsync(CancellationToken.None);
            Generate(path, Math.Max(1, observations / 10), observations);
            using var connection = new DuckDBConnection($"Data Source={path}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN ANALYZE " + sql;
            var started = Stopwatch.GetTimestamp();
            using var reader = command.ExecuteReader();
            while (reader.Read()) Console.WriteLine(reader.GetString(1));
            Console.WriteLine($"{Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
