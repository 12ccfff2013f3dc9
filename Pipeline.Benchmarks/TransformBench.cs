using System.Diagnostics;

namespace Pipeline.Benchmarks;

/// <summary>
/// Benchmark 1 (stopwatch edition, part of the bench command): the transform against the bare reader and DuckDB's
/// read_json over the same page files, in the same process. One thread unless said otherwise, so the rates are per core.
/// </summary>
public static class TransformBench
{
    public static void Run(int syntheticProducts, int fixtureCopies, int repeats)
    {
        var synthetic = TransformInputs.SyntheticPages(syntheticProducts, 100);
        var fixture = TransformInputs.FixturePage();
        var table = new Table($"Transform: pages → validated products, rates per CPU-second of the process (least CPU time of {repeats} passes; wall clock: median)",
            "input", "method", "MB/s per CPU-second", "products per CPU-second", "CPU time / bare reader", "DuckDB 1-thread CPU time / this", "allocated B/product", "MB/s wall clock");
        Measure(table, $"Synthetic, {syntheticProducts:N0} products in {synthetic.Count:N0} pages of 100", synthetic, repeats);
        Measure(table, $"DummyJSON fixture (194 products, {fixture.Length / 1024:N0} KiB) × {fixtureCopies}",
            Enumerable.Repeat(fixture, fixtureCopies).ToList(), repeats);
        Report.Print(table);
    }

    private static void Measure(Table table, string name, List<byte[]> pages, int repeats)
    {
        var dir = TransformInputs.WriteFiles(pages, "transform");
        var files = Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToArray();
        var glob = Path.Combine(dir, "*.json");
        long bytes = pages.Sum(p => (long)p.Length);
        try
        {
            var products = pages.Sum(p => TransformWork.Parse(p));
            Report.Note($"transform: {name}: {Report.Mb(bytes):0.0} MiB, {products:N0} products");

            var bare = Time(repeats, () => { foreach (var p in pages) TransformWork.BarePass(p); });
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var p in pages) TransformWork.Parse(p);
            var allocatedPerProduct = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)products;
            var ours = Time(repeats, () => { foreach (var p in pages) TransformWork.Parse(p); });
            var oursFromFiles = Time(repeats, () => { foreach (var f in files) TransformWork.Parse(File.ReadAllBytes(f)); });

            Timing duck1, duck2;
            long duckRows;
            using (var connection = TransformWork.OpenDuckDb(1))
            {
                duckRows = TransformWork.DuckDbCleanUp(connection, glob);
                duck1 = Time(repeats, () => TransformWork.DuckDbCleanUp(connection, glob));
            }
            using (var connection = TransformWork.OpenDuckDb(2))
                duck2 = Time(repeats, () => TransformWork.DuckDbCleanUp(connection, glob));
            if (duckRows != products)
                Report.Note($"warning: DuckDB kept {duckRows:N0} products where the parser kept {products:N0}");

            void Row(string method, Timing t, object ratioToDuck, object alloc) =>
                table.Add(name, method, Report.Mb(bytes) / t.Cpu, products / t.Cpu, $"{t.Cpu / bare.Cpu:0.00}x", ratioToDuck, alloc,
                    Report.Mb(bytes) / t.Wall);
            Row("bare Utf8JsonReader pass (floor)", bare, "", "");
            Row("CatalogPageParser.Parse (in memory)", ours, $"{duck1.Cpu / ours.Cpu:0.00}x", allocatedPerProduct);
            Row("CatalogPageParser.Parse + File.ReadAllBytes", oursFromFiles, $"{duck1.Cpu / oursFromFiles.Cpu:0.00}x", "");
            Row("DuckDB read_json clean-up, 1 thread", duck1, "1.00x", "");
            Row("DuckDB read_json clean-up, 2 threads (CPU of both)", duck2, $"{duck2.Cpu / ours.Cpu:0.00}x (vs in memory)", "");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Wall and CPU seconds of one pass.</summary>
    public readonly record struct Timing(double Wall, double Cpu);

    /// <summary>
    /// Median wall and least process CPU seconds of <paramref name="repeats"/> runs, after three warm-up runs and a pause
    /// (so that tiered compilation has produced the optimised code even when the machine is busy). Other work on the
    /// machine only ever adds CPU time (cache misses, migrations), so the least is the best estimate of the cost.
    /// </summary>
    public static Timing Time(int repeats, Action action)
    {
        for (var i = 0; i < 3; i++) action();
        Thread.Sleep(500);
        action();
        var walls = new List<double>();
        var cpus = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var cpu = CpuClock.ProcessSeconds();
            var started = Stopwatch.GetTimestamp();
            action();
            walls.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            cpus.Add(CpuClock.ProcessSeconds() - cpu);
        }
        walls.Sort();
        cpus.Sort();
        return new Timing(Report.Median(walls), cpus[0]);
    }
}
