using System.Diagnostics;
using Pipeline.Core.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>The DuckDB warehouse load alone, from products generated on the fly (no store): time, CPU and peak memory.</summary>
public static class WarehouseLoadProfile
{
    public static async Task RunAsync(int products, int loads)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "wload-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var warehouse = new DuckDbWarehouse(Path.Combine(dir, "warehouse.duckdb"), TimeProvider.System);
            await warehouse.EnsureSchemaAsync(CancellationToken.None);
            var table = new Table($"Warehouse load profile: {products:N0} products + as many observations, streamed from the parser",
                "load", "wall s", "CPU s", "products/s (wall)", "peak working set MiB so far", "GC heap MiB");
            for (var load = 1; load <= loads; load++)
            {
                var cpu = CpuClock.ProcessSeconds();
                var started = Stopwatch.GetTimestamp();
                var result = await warehouse.LoadAsync($"wr-{load}", Products(products), Observations(products), CancellationToken.None);
                var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
                table.Add($"#{load} ({result.ProductsLoaded:N0} products, {result.ObservationsLoaded:N0} observations)", wall,
                    CpuClock.ProcessSeconds() - cpu, products / wall, Report.Mb(Machine.PeakWorkingSet()), Report.Mb(GC.GetTotalMemory(false)));
            }
            Report.Print(table);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async IAsyncEnumerable<Product> Products(int count)
    {
        var context = new ParseContext("synthetic", "run-1", "k", DateTimeOffset.UnixEpoch);
        for (var skip = 0; skip < count; skip += 1000)
            foreach (var p in CatalogPageParser.Parse(SyntheticSource.GeneratePage(42, 1, count, skip, 1000), CatalogFormat.DummyJson, context).Products)
                yield return p;
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<PriceObservation> Observations(int count)
    {
        for (var id = 1; id <= count; id++)
            yield return new PriceObservation($"synthetic:{id}", SyntheticSource.PriceAt(42, 1, id), DateTimeOffset.UnixEpoch, "run-1");
        await Task.CompletedTask;
    }
}
