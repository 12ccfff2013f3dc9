using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Benchmarks;
using Pipeline.Core.Ports;

// Pipeline.Benchmarks: `bench` prints the report of benchmarks 1-4 (docs/performance.md); `micro` runs BenchmarkDotNet.
var command = args.Length > 0 ? args[0] : "help";
var options = BenchArgs.Parse(args.Skip(1).ToArray());
switch (command)
{
    case "bench":
        await Bench.RunAsync(options);
        break;
    case "e2e-child":
        await Bench.ChildAsync(options);
        break;
    case "profile-transform":
        TransformProfile.Run(BenchArgs.Int(options, "products", 50_000));
        break;
    case "profile-stages":
        await StageProfile.RunAsync(BenchArgs.Int(options, "products", 20_000), BenchArgs.Int(options, "page-size", 100));
        break;
    case "profile-store":
        await StoreProfile.RunAsync(BenchArgs.Int(options, "products", 50_000), BenchArgs.Int(options, "chunk", 100),
            options.TryGetValue("only", out var storeOnly) ? storeOnly : null);
        break;
    case "profile-rawzone":
        await RawZoneProfile.RunAsync(BenchArgs.Int(options, "pages", 10_000), BenchArgs.Int(options, "rounds", 4), BenchArgs.Int(options, "concurrency", 4));
        break;
    case "verify-hash":
        return ContentHashCheck.Run(BenchArgs.Int(options, "products", 200_000), BenchArgs.Int(options, "decimals", 1_000_000)) == 0 ? 0 : 1;
    case "profile-warehouse":
        await WarehouseLoadProfile.RunAsync(BenchArgs.Int(options, "products", 100_000), BenchArgs.Int(options, "loads", 2), BenchArgs.Int(options, "slices", 1));
        break;
    case "profile-refresh":
        await RefreshFloorProfile.RunAsync(BenchArgs.Int(options, "products", 1_000_000), BenchArgs.Int(options, "epochs", 2));
        break;
    case "explain":
        await QueryBench.ExplainAsync(BenchArgs.Long(options, "observations", 1_000_000), options["sql"]);
        break;
    case "verify-changes":
        return await PriceChangesCheck.RunAsync(BenchArgs.Long(options, "observations", 500_000)) == 0 ? 0 : 1;
    case "profile-replay":
        await ReplayProfile.RunAsync(BenchArgs.Int(options, "products", 20_000), BenchArgs.Int(options, "runs", 3), BenchArgs.Int(options, "page-size", 100));
        break;
    case "profile-sign-in":
        SignInTimingProfile.Run(BenchArgs.Int(options, "samples", 25));
        break;
    case "micro":
        MicroBenchmarks.Run(args.Skip(1).ToArray());
        break;
    default:
        Console.WriteLine("""
            Pipeline.Benchmarks

              bench [options]      benchmarks 1-4 as a markdown report (stopwatch-timed, in-process)
                --only LIST          transform,kinesis,warehouse,e2e (default: all)
                --sizes LIST         end-to-end sizes in products (default 100000); each runs in its own process
                --page-size N        Synthetic page size for the end-to-end runs (default 100, the configured default)
                --transform-products N   Synthetic products for benchmark 1 (default 50000)
                --fixture-copies N   copies of the DummyJSON fixture for benchmark 1 (default 100)
                --observations N     price observations in the generated warehouse (default 1000000)
                --runs N             runs per size (default 2: into empty backends, then the next epoch)
                --store-rounds N     rounds of the Products page queries after each end-to-end run (default 40)
                --kinesis-url URL    kinesalite to publish to (default http://127.0.0.1:4567; skipped when none answers)
                --kinesis-records N  records per round (default 10000)
                --out FILE           also write the report to FILE
              profile-refresh [--products N] [--epochs N]   the warehouse load against DuckDB's appender floor for the same
                                   rows (default 1000000 products, 2 epochs; every price changes each epoch)
              profile-sign-in [--samples N]   median sign-in check for an unknown user name and for the admin with a
                                   wrong password, at the built-in hash cost and at 600,000 iterations (default 25 samples)
              profile-replay [--products N] [--runs N] [--page-size N]   N Synthetic runs (default 3 of 20000 products),
                                   then their raw zone alone replayed into an empty store and again over it: wall times,
                                   rates, and whether the rebuild equals the original
              micro [BenchmarkDotNet arguments]   e.g. micro --filter '*Transform*'
            """);
        break;
}
return 0;

/// <summary>The bench command and its per-size child processes.</summary>
internal static class Bench
{
    public static async Task RunAsync(IReadOnlyDictionary<string, string> o)
    {
        var only = o.TryGetValue("only", out var list) ? list.Split(',').ToHashSet() : ["transform", "kinesis", "warehouse", "e2e"];
        var total = Stopwatch.StartNew();
        Report.Print($"## Pipeline benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\nMachine: {Machine.Describe()}\n");
        if (only.Contains("transform"))
            TransformBench.Run(BenchArgs.Int(o, "transform-products", 50_000), BenchArgs.Int(o, "fixture-copies", 100), 7);
        if (only.Contains("kinesis"))
            await KinesisBench.RunAsync(new Uri(o.GetValueOrDefault("kinesis-url", "http://127.0.0.1:4567")), BenchArgs.Int(o, "kinesis-records", 10_000), 3, 2);
        if (only.Contains("warehouse"))
            await QueryBench.WarehouseAsync(BenchArgs.Long(o, "observations", 1_000_000), 30);
        if (only.Contains("e2e"))
        {
            var results = new List<EndToEndResult>();
            var storeTables = new List<string>();
            // Each size's data directory is deleted after the last size: on this machine's ext4 (no journal) a folder of
            // thousands of files deleted just before makes the next run's file creations several times dearer (the
            // inode allocator skips recently freed inodes one by one), which is noise the next size should not carry.
            var dataDirectories = new List<string>();
            try
            {
                foreach (var size in o.GetValueOrDefault("sizes", "100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
                {
                    var (result, storeTable, dataDirectory) = await RunChildAsync(size, BenchArgs.Int(o, "page-size", 100), BenchArgs.Int(o, "store-rounds", 40), BenchArgs.Int(o, "runs", 2));
                    results.AddRange(result);
                    storeTables.Add(storeTable);
                    dataDirectories.Add(dataDirectory);
                }
            }
            finally
            {
                foreach (var directory in dataDirectories)
                    try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
            }
            Report.Print(EndToEndBench.Tables(results, out var stages, out var memory));
            Report.Print(stages);
            Report.Print(memory);
            foreach (var table in storeTables) Report.Print(table);
        }
        Report.Print($"_bench finished in {total.Elapsed.TotalSeconds:0} s_");
        if (o.TryGetValue("out", out var file)) await File.WriteAllTextAsync(file, Report.All());
    }

    /// <summary>One end-to-end size in a fresh process, so that its peak memory is its own.</summary>
    private static async Task<(List<EndToEndResult> Results, string StoreTable, string DataDirectory)> RunChildAsync(int size, int pageSize, int storeRounds, int runs)
    {
        var output = Path.Combine(Path.GetTempPath(), $"pipeline-bench-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo { UseShellExecute = false };
        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") { start.FileName = self; start.ArgumentList.Add(typeof(Bench).Assembly.Location); }
        else start.FileName = self;
        foreach (var arg in new[] { "e2e-child", "--size", $"{size}", "--page-size", $"{pageSize}", "--store-rounds", $"{storeRounds}", "--runs", $"{runs}", "--json", output })
            start.ArgumentList.Add(arg);
        Report.Note($"e2e: {size:N0} products (page size {pageSize}) in a child process …");
        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        if (child.ExitCode != 0) throw new InvalidOperationException($"the end-to-end run of {size} products failed (exit {child.ExitCode})");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        File.Delete(output);
        var results = json.RootElement.GetProperty("results").EnumerateArray().Select(r => EndToEndBench.FromJson(r.GetRawText())).ToList();
        return (results, json.RootElement.GetProperty("store").GetString()!, json.RootElement.GetProperty("dataDirectory").GetString()!);
    }

    public static async Task ChildAsync(IReadOnlyDictionary<string, string> o)
    {
        var size = BenchArgs.Int(o, "size", 100_000);
        var (results, app, dataDirectory) = await EndToEndBench.RunAsync(size, BenchArgs.Int(o, "page-size", 100), BenchArgs.Int(o, "runs", 2));
        foreach (var result in results)
            Report.Note($"e2e: {size:N0} products, run {result.Run}: {result.Status} in {result.TotalSeconds:0.0} s ({size / result.TotalSeconds:N0} products/s), " +
                        $"peak working set {Report.Mb(result.PeakWorkingSet):N0} MiB");
        Report.Quiet = true;
        var store = app.Services.GetRequiredService<IProductStore>();
        var count = await store.CountAsync(null, CancellationToken.None);
        await QueryBench.StoreAsync(store, count, BenchArgs.Int(o, "store-rounds", 40));
        var storeTable = Report.All();
        await app.StopAsync();
        await app.DisposeAsync();
        // The parent deletes the data directory once every size has run.
        await File.WriteAllTextAsync(o["json"], JsonSerializer.Serialize(new { results, store = storeTable, dataDirectory }));
    }
}

/// <summary><c>--name value</c> pairs.</summary>
internal static class BenchArgs
{
    public static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Expected --name value, got '{args[i]}'.");
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }

    public static int Int(IReadOnlyDictionary<string, string> o, string name, int fallback) =>
        o.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static long Long(IReadOnlyDictionary<string, string> o, string name, long fallback) =>
        o.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
