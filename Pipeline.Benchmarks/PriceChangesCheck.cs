using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;

namespace Pipeline.Benchmarks;

/// <summary>
/// Proof that <see cref="DuckDbWarehouse.PriceChangesAsync"/> (a top-N over the price_changes table the load keeps)
/// answers what the definition in docs/metrics.md (lag() over every observation) answers: on a generated warehouse,
/// and on one loaded out of time order (recent observations first, then older ones that change earlier history),
/// for several limits and sources.
/// </summary>
public static class PriceChangesCheck
{
    private const string Definition = """
        WITH ordered AS (
            SELECT product_id, price, observed_at, run_id,
                   lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
            FROM price_observations {0}),
        changes AS (
            SELECT o.product_id, p.title, p.category, o.old_price, o.price AS new_price,
                   round(CAST((o.price - o.old_price) / o.old_price * 100 AS DECIMAL(38,9)), 2) AS change_pct, o.observed_at
            FROM ordered o JOIN products p ON p.product_id = o.product_id
            WHERE o.old_price IS NOT NULL AND o.old_price <> o.price AND o.old_price <> 0)
        SELECT product_id, title, category, old_price, new_price, change_pct, observed_at FROM changes
        ORDER BY observed_at DESC, product_id LIMIT {1}
        """;

    public static async Task<int> RunAsync(long observations)
    {
        var mismatches = 0;
        var compared = 0;
        foreach (var shape in new[] { "generated", "loaded out of time order" })
        {
            var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "changes-" + Guid.NewGuid().ToString("N")[..8]);
            var path = Path.Combine(dir, "warehouse.duckdb");
            try
            {
                await using var warehouse = new DuckDbWarehouse(path, TimeProvider.System);
                if (shape == "generated") await QueryBench.GenerateAsync(warehouse, (int)Math.Max(1, observations / 10), observations);
                else await OutOfOrderAsync(warehouse);
                foreach (var source in new string?[] { null, "synthetic", "other" })
                foreach (var limit in new[] { 1, 20, 1000 })
                {
                    var started = Stopwatch.GetTimestamp();
                    var fast = await warehouse.PriceChangesAsync(source, limit, CancellationToken.None);
                    var fastMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    started = Stopwatch.GetTimestamp();
                    var full = Query(path, source, limit);
                    var fullMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    compared++;
                    var same = fast.Count == full.Count && fast.Zip(full).All(x => x.First == x.Second);
                    if (!same) mismatches++;
                    Report.Note($"{shape}, source {source ?? "(all)"}, limit {limit}: {fast.Count} rows, {(same ? "same" : "DIFFERENT")} ({fastMs:0} ms vs {fullMs:0} ms)");
                }
            }
            finally
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
        Report.Print($"PriceChanges check: {compared} queries compared with the definition's full query, {mismatches} differ\n");
        return mismatches;
    }

    /// <summary>
    /// 20,000 products first seen recently (one load), then a second load with three old observations of 50 of them,
    /// months earlier: their recent observation's old price and the changes between the old ones appear only if the
    /// second load recomputes the earlier history.
    /// </summary>
    private static async Task OutOfOrderAsync(DuckDbWarehouse warehouse)
    {
        var recent = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var old = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var products = Enumerable.Range(1, 20_000).Select(i => WarehouseRows.Product(i, 10 + i, recent)).ToList();
        await warehouse.LoadAsync("recent", Stream(products),
            Stream(Enumerable.Range(1, 20_000).Select(i => new PriceObservation(Id(i), 10 + i, recent.AddSeconds(i), "run-recent"))),
            CancellationToken.None);
        await warehouse.LoadAsync("old", Stream(products.Take(50)),
            Stream(Enumerable.Range(1, 50).SelectMany(i => Enumerable.Range(0, 3).Select(r =>
                new PriceObservation(Id(i), 10 + i + r + 1, old.AddHours(r), string.Create(CultureInfo.InvariantCulture, $"run-old-{r}"))))),
            CancellationToken.None);

        static string Id(int i) => string.Create(CultureInfo.InvariantCulture, $"synthetic:{i}");
    }

    private static async IAsyncEnumerable<T> Stream<T>(IEnumerable<T> items)
    {
        foreach (var item in items) yield return item;
        await Task.CompletedTask;
    }

    public static List<PriceChange> Query(string path, string? source, int limit)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = string.Format(CultureInfo.InvariantCulture, Definition,
            source is null ? "" : "WHERE source = $source", limit);
        if (source is not null) command.Parameters.Add(new DuckDBParameter("source", source));
        using var r = command.ExecuteReader();
        var list = new List<PriceChange>();
        while (r.Read())
            list.Add(new PriceChange(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5),
                new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc))));
        return list;
    }
}
