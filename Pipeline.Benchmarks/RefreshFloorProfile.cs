using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;

namespace Pipeline.Benchmarks;

/// <summary>
/// The warehouse load against DuckDB's own floor for the same rows, in one process: for each epoch, the rows appended
/// with DuckDB's appender into plain tables of the same columns (no keys, no merge, no changes: what DuckDB needs just
/// to store them, then a checkpoint), and the same rows through <see cref="DuckDbWarehouse.LoadAsync"/>. Epoch 1 goes
/// into empty tables; every later epoch changes every product's price (a new observation each). Prints wall and CPU
/// seconds, the ratio to the floor, and the process's peak working set, then checks that the load kept every row once.
/// </summary>
public static class RefreshFloorProfile
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(int products, int epochs)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "refresh-floor-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        Report.Print($"Machine: {Machine.Describe()}\n");
        try
        {
            var options = WarehouseLoadProfile.Options();
            var table = new Table(
                $"Warehouse load against DuckDB's appender floor: {products:N0} products, every price changes each epoch " +
                $"(memory_limit {options.MemoryLimit}, {options.LoadThreads} load thread(s), chunks of {options.ChunkRows:N0})",
                "epoch", "floor wall s", "floor CPU s", "load wall s", "load CPU s", "load / floor (wall)", "load / floor (CPU)",
                "products/s (load wall)", "peak working set MiB so far");
            await using var floor = new DuckDBConnection($"Data Source={Path.Combine(dir, "floor.duckdb")}");
            await floor.OpenAsync();
            await ExecuteAsync(floor, $"""
                SET memory_limit = '{options.MemoryLimit}'; SET threads = {options.LoadThreads};
                {DuckDbWarehouseSchema.Products}
                {DuckDbWarehouseSchema.PriceObservations}
                """);
            await using var warehouse = new DuckDbWarehouse(Path.Combine(dir, "warehouse.duckdb"), TimeProvider.System, options);
            await warehouse.EnsureSchemaAsync(CancellationToken.None);
            for (var epoch = 1; epoch <= epochs; epoch++)
            {
                var (floorWall, floorCpu) = await TimedAsync(() => AppendFloorAsync(floor, products, epoch));
                WarehouseLoadResult result = null!;
                var (loadWall, loadCpu) = await TimedAsync(async () => result = await warehouse.LoadAsync($"wr-{epoch}",
                    ProductsOf(products, epoch), ObservationsOf(products, epoch), CancellationToken.None));
                if (result.ProductsLoaded != products || result.ObservationsLoaded != products)
                    throw new InvalidOperationException($"epoch {epoch} loaded {result}, expected {products:N0} of each");
                table.Add(epoch == 1 ? "1 (empty warehouse)" : $"{epoch} (every price changed)", floorWall, floorCpu, loadWall, loadCpu,
                    loadWall / floorWall, loadCpu / floorCpu, products / loadWall, Report.Mb(Machine.PeakWorkingSet()));
            }
            Report.Print(table);
            var counts = Assert(await warehouse.CountsAsync(CancellationToken.None), products, epochs);
            Report.Print($"Warehouse after {epochs} epochs: {counts.Products:N0} products, {counts.Observations:N0} observations (each once).\n");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static SourceCounts Assert(IReadOnlyList<SourceCounts> counts, int products, int epochs)
    {
        var only = counts.Count == 1 ? counts[0] : throw new InvalidOperationException($"expected one source, got {counts.Count}");
        if (only.Products != products || only.Observations != (long)products * epochs)
            throw new InvalidOperationException($"the warehouse holds {only}, expected {products:N0} products and {(long)products * epochs:N0} observations");
        return only;
    }

    private static async Task<(double Wall, double Cpu)> TimedAsync(Func<Task> work)
    {
        var cpu = CpuClock.ProcessSeconds();
        var started = Stopwatch.GetTimestamp();
        await work();
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, CpuClock.ProcessSeconds() - cpu);
    }

    /// <summary>The floor: the epoch's rows appended to the plain tables in one transaction, then a checkpoint.</summary>
    private static async Task AppendFloorAsync(DuckDBConnection connection, int products, int epoch)
    {
        await ExecuteAsync(connection, "BEGIN TRANSACTION");
        var loadedAt = DateTime.UtcNow;
        using (var appender = connection.CreateAppender("products"))
            await foreach (var p in ProductsOf(products, epoch))
                appender.CreateRow().AppendValue(p.Id).AppendValue(p.Source).AppendValue(p.SourceId).AppendValue(p.Title)
                    .AppendValue(p.Category).AppendValue(p.Brand).AppendValue(p.Price).AppendValue(p.Rating)
                    .AppendValue(p.Stock is { } stock ? (long?)stock : null).AppendValue(p.Availability).AppendValue(p.ContentHash)
                    .AppendValue(p.LastChanged.UtcDateTime).AppendValue($"wr-{epoch}").AppendValue(loadedAt).EndRow();
        using (var appender = connection.CreateAppender("price_observations"))
            await foreach (var o in ObservationsOf(products, epoch))
                appender.CreateRow().AppendValue(o.ProductId).AppendValue(o.Source).AppendValue(o.RunId).AppendValue(o.Price)
                    .AppendValue(o.PreviousPrice).AppendValue(o.ObservedAt.UtcDateTime).EndRow();
        await ExecuteAsync(connection, "COMMIT; CHECKPOINT;");
    }

    private static decimal PriceOf(int id, int epoch) => 5m + id % 997 + epoch * 0.25m;

    private static async IAsyncEnumerable<Product> ProductsOf(int products, int epoch)
    {
        for (var id = 1; id <= products; id++)
            yield return WarehouseRows.Product(id, PriceOf(id, epoch), Start.AddHours(6 * epoch));
        await Task.CompletedTask;
    }

    private static async IAsyncEnumerable<PriceObservation> ObservationsOf(int products, int epoch)
    {
        var run = string.Create(CultureInfo.InvariantCulture, $"run-{epoch:D6}");
        for (var id = 1; id <= products; id++)
            yield return new PriceObservation(string.Create(CultureInfo.InvariantCulture, $"synthetic:{id}"), PriceOf(id, epoch), Start.AddHours(6 * epoch), run)
                { PreviousPrice = epoch > 1 ? PriceOf(id, epoch - 1) : null };
        await Task.CompletedTask;
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
