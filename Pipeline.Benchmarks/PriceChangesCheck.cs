using System.Diagnostics;
using DuckDB.NET.Data;
using Pipeline.Core.Adapters.Local;
using Pipeline.Core.Domain;

namespace Pipeline.Benchmarks;

/// <summary>
/// Proof that <see cref="DuckDbWarehouse.PriceChangesAsync"/> (newest observations first, full query as fallback)
/// answers what the original full lag() query answers: both on generated warehouses, several limits and sources,
/// including one where the newest observations hold no change (so the fallback runs).
/// </summary>
public static class PriceChangesCheck
{
    private const string Original = """
        WITH ordered AS (
            SELECT product_id, price, observed_at, run_id,
                   lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
            FROM price_observations {0}),
        changes AS (
            SELECT o.product_id, p.title, p.category, o.old_price, o.price AS new_price,
                   CAST(round((o.price - o.old_price) / o.old_price * 100, 2) AS DECIMAL(18,2)) AS change_pct, o.observed_at
            FROM ordered o JOIN products p ON p.product_id = o.product_id
            WHERE o.old_price IS NOT NULL AND o.old_price <> o.price AND o.old_price <> 0)
        SELECT product_id, title, category, old_price, new_price, change_pct, observed_at FROM changes
        WHERE true
        ORDER BY observed_at DESC, product_id LIMIT {1}
        """;

    public static async Task<int> RunAsync(long observations)
    {
        var mismatches = 0;
        var compared = 0;
        foreach (var shape in new[] { "generated", "old changes only" })
        {
            var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "changes-" + Guid.NewGuid().ToString("N")[..8]);
            var path = Path.Combine(dir, "warehouse.duckdb");
            try
            {
                var warehouse = new DuckDbWarehouse(path, TimeProvider.System);
                await warehouse.EnsureSchemaAsync(CancellationToken.None);
                if (shape == "generated") QueryBench.Generate(path, observations / 10, observations);
                else OldChangesOnly(path);
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
        Report.Print($"PriceChanges check: {compared} queries compared with the original full query, {mismatches} differ\n");
        return mismatches;
    }

    /// <summary>20,000 products first seen recently; 50 of them also changed price long before: only the fallback finds those.</summary>
    private static void OldChangesOnly(string path)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO products SELECT 'synthetic:' || i, 'synthetic', CAST(i AS VARCHAR), 'Product ' || i, 'laptops', NULL,
                10 + i, NULL, 1, 'in-stock', md5(CAST(i AS VARCHAR)), TIMESTAMP '2025-01-01', 'wr', TIMESTAMP '2025-01-01' FROM range(1, 20001) t(i);
            INSERT INTO price_observations SELECT 'synthetic:' || i, 'synthetic', 'run-recent', 10 + i, NULL,
                TIMESTAMP '2025-06-01' + to_seconds(CAST(i AS BIGINT)) FROM range(51, 20001) t(i);
            INSERT INTO price_observations SELECT 'synthetic:' || i, 'synthetic', 'run-old-' || r, 10 + i + r, NULL,
                TIMESTAMP '2025-01-01' + to_hours(CAST(r AS BIGINT)) FROM range(1, 51) t(i), range(0, 3) s(r);
            """;
        command.ExecuteNonQuery();
    }

    public static List<PriceChange> Query(string path, string? source, int limit)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, Original,
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
