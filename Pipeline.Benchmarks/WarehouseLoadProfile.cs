using System.Diagnostics;
using System.Globalization;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>
/// The DuckDB warehouse load alone, from products and observations generated in memory on the fly (no parser, no
/// store): time, CPU and peak memory. Load 1 goes into an empty warehouse (every product, one observation each);
/// load 2 is the next epoch as a full refresh sends it (every product again, the observations of the ~19% whose price
/// moved); load 3 and later are incremental refreshes (only the products that changed and their new observations).
/// With <c>--slices N</c> the first epoch is loaded in N loads of new products instead.
/// </summary>
public static class WarehouseLoadProfile
{
    /// <summary>The adapter's defaults, or PIPELINE_BENCH_MEMORY_LIMIT / PIPELINE_BENCH_CHUNK_ROWS from the environment.</summary>
    public static DuckDbWarehouseOptions Options()
    {
        var options = new DuckDbWarehouseOptions();
        if (Environment.GetEnvironmentVariable("PIPELINE_BENCH_MEMORY_LIMIT") is { } limit) options.MemoryLimit = limit;
        if (Environment.GetEnvironmentVariable("PIPELINE_BENCH_CHUNK_ROWS") is { } chunk) options.ChunkRows = int.Parse(chunk, CultureInfo.InvariantCulture);
        return options;
    }

    public static async Task RunAsync(int products, int loads, int slices = 1)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", "wload-" + Guid.NewGuid().ToString("N")[..8]);
        Report.Print($"Machine: {Machine.Describe()}\n");
        try
        {
            var options = Options();
            await using var warehouse = new DuckDbWarehouse(Path.Combine(dir, "warehouse.duckdb"), TimeProvider.System, options);
            await warehouse.EnsureSchemaAsync(CancellationToken.None);
            Report.Print($"Peak working set before the first load (runtime, DuckDB open, schema): {Report.Mb(Machine.PeakWorkingSet()):0} MiB\n");
            Report.Print(slices > 1 ? await SlicesAsync(warehouse, products, slices) : await EpochsAsync(warehouse, options, products, loads));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<Table> EpochsAsync(DuckDbWarehouse warehouse, DuckDbWarehouseOptions options, int products, int loads)
    {
        var table = new Table($"Warehouse load profile: {products:N0} products (memory_limit {options.MemoryLimit ?? "default"}, chunks of {options.ChunkRows:N0} rows)",
            "load", "wall s", "CPU s", "CPU s generating the rows alone", "products/s (wall)", "peak working set MiB so far", "GC heap MiB");
        for (var load = 1; load <= loads; load++)
        {
            var incremental = load >= 3;
            var genCpu = CpuClock.ProcessSeconds();
            var generated = 0L;
            await foreach (var _ in WarehouseRows.Products(products, load, onlyChanged: incremental)) generated++;
            await foreach (var _ in WarehouseRows.Observations(products, load)) generated++;
            genCpu = CpuClock.ProcessSeconds() - genCpu;

            var cpu = CpuClock.ProcessSeconds();
            var started = Stopwatch.GetTimestamp();
            var result = await warehouse.LoadAsync($"wr-{load}", WarehouseRows.Products(products, load, onlyChanged: incremental),
                WarehouseRows.Observations(products, load), CancellationToken.None);
            var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var kind = load == 1 ? "empty warehouse" : incremental ? "incremental: changed products only" : "next epoch, all products";
            table.Add($"#{load} {kind} ({result.ProductsLoaded:N0} products, {result.ObservationsLoaded:N0} observations)", wall,
                CpuClock.ProcessSeconds() - cpu, genCpu, products / wall, Report.Mb(Machine.PeakWorkingSet()), Report.Mb(GC.GetTotalMemory(false)));
        }
        return table;
    }

    /// <summary>
    /// The first epoch in <paramref name="slices"/> consecutive loads of new products, as catch-up loads while a run
    /// ingests would make it: the first into the empty warehouse, the others beside what is there.
    /// </summary>
    private static async Task<Table> SlicesAsync(DuckDbWarehouse warehouse, int products, int slices)
    {
        var table = new Table($"Warehouse load profile: {products:N0} new products in {slices} loads",
            "load", "wall s", "CPU s", "products/s (wall)", "peak working set MiB so far");
        double wallTotal = 0, cpuTotal = 0;
        for (var slice = 0; slice < slices; slice++)
        {
            var first = (int)((long)products * slice / slices) + 1;
            var last = (int)((long)products * (slice + 1) / slices);
            var cpu = CpuClock.ProcessSeconds();
            var started = Stopwatch.GetTimestamp();
            var result = await warehouse.LoadAsync($"wr-{slice}", WarehouseRows.Products(last, 1, onlyChanged: false, first),
                WarehouseRows.Observations(last, 1, first), CancellationToken.None);
            var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            cpu = CpuClock.ProcessSeconds() - cpu;
            wallTotal += wall;
            cpuTotal += cpu;
            table.Add($"#{slice + 1}: products {first:N0}-{last:N0} ({result.ProductsLoaded:N0} products, {result.ObservationsLoaded:N0} observations)",
                wall, cpu, (last - first + 1) / wall, Report.Mb(Machine.PeakWorkingSet()));
        }
        table.Add("all loads", wallTotal, cpuTotal, products / wallTotal, Report.Mb(Machine.PeakWorkingSet()));
        return table;
    }
}

/// <summary>
/// Synthetic warehouse rows built directly (no JSON): product <c>i</c> of epoch <c>e</c> has
/// <see cref="SyntheticSource.PriceAt"/>(42, e, i); epoch 1 observes every product, a later epoch the products whose
/// price moved since the previous one, 6 hours later.
/// </summary>
internal static class WarehouseRows
{
    private const int Seed = 42;
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly string[] Categories =
    [
        "beauty", "fragrances", "furniture", "groceries", "home-decoration", "kitchen-accessories", "laptops", "mens-shirts",
        "mens-shoes", "mens-watches", "mobile-accessories", "motorcycle", "skin-care", "smartphones", "sports-accessories",
        "sunglasses", "tablets", "tops", "vehicle", "womens-bags", "womens-dresses", "womens-jewellery", "womens-shoes", "womens-watches",
    ];

    public static DateTimeOffset EpochTime(int epoch) => Start.AddHours(6 * (epoch - 1));

    public static Product Product(int id, decimal price, DateTimeOffset changed)
    {
        var h = (uint)id * 2654435761u;
        var stock = (int)(h % 150);
        return new Product
        {
            Source = "synthetic", SourceId = id.ToString(CultureInfo.InvariantCulture),
            Title = string.Create(CultureInfo.InvariantCulture, $"Product {id}"),
            Category = Categories[(h >> 8) % (uint)Categories.Length], Brand = id % 2 == 0 ? "Acme" : null, Price = price,
            Rating = 1m + (h >> 12) % 400 / 100m, Stock = stock, Availability = stock == 0 ? "out-of-stock" : "in-stock",
            ContentHash = string.Create(CultureInfo.InvariantCulture, $"{h:x8}{id:x8}{price}"), LastChanged = changed,
        };
    }

    /// <summary>
    /// The catalog's products <paramref name="first"/> to <paramref name="last"/> at <paramref name="epoch"/>: every one,
    /// or only those whose price moved since the epoch before.
    /// </summary>
    public static async IAsyncEnumerable<Product> Products(int last, int epoch, bool onlyChanged, int first = 1)
    {
        for (var id = first; id <= last; id++)
        {
            var price = SyntheticSource.PriceAt(Seed, epoch, id);
            if (onlyChanged && epoch > 1 && price == SyntheticSource.PriceAt(Seed, epoch - 1, id)) continue;
            yield return Product(id, price, EpochTime(epoch));
        }
        await Task.CompletedTask;
    }

    /// <summary>
    /// The observations epoch <paramref name="epoch"/> appends for products <paramref name="first"/> to
    /// <paramref name="last"/>: all of them at 1, then the ones whose price moved.
    /// </summary>
    public static async IAsyncEnumerable<PriceObservation> Observations(int last, int epoch, int first = 1)
    {
        var run = string.Create(CultureInfo.InvariantCulture, $"run-{epoch:D6}");
        for (var id = first; id <= last; id++)
        {
            var price = SyntheticSource.PriceAt(Seed, epoch, id);
            decimal? previous = epoch > 1 ? SyntheticSource.PriceAt(Seed, epoch - 1, id) : null;
            if (previous == price) continue;
            yield return new PriceObservation(string.Create(CultureInfo.InvariantCulture, $"synthetic:{id}"), price, EpochTime(epoch), run)
                { PreviousPrice = previous };
        }
        await Task.CompletedTask;
    }
}
