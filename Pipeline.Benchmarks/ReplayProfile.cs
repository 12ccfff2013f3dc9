using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Benchmarks;

/// <summary>
/// <c>profile-replay</c>: <c>runs</c> Synthetic runs of <c>products</c> each (successive epochs: about one price in ten
/// moves between runs) on the embedded backends, then the raw zone alone copied into a fresh data directory and replayed
/// (the rebuild: store, then warehouse), then replayed again over what is there (idempotent: nothing changes). Prints each
/// phase's wall time and rate, and whether the rebuilt store equals the original (products and price histories).
/// </summary>
public static class ReplayProfile
{
    public static async Task RunAsync(int products, int runs, int pageSize)
    {
        var root = Path.Combine(Path.GetTempPath(), "pipeline-replay-profile", Guid.NewGuid().ToString("N"));
        var original = Path.Combine(root, "original");
        var rebuilt = Path.Combine(root, "rebuilt");
        try
        {
            Console.WriteLine($"## Replay: {runs} Synthetic run(s) of {products:N0} products, pages of {pageSize}");
            Console.WriteLine();
            Console.WriteLine("| phase | pages | wall (s) | pages/s | products/s | upserted | price changes | status |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
            var app = await PipelineHost.StartAsync(original);
            double liveSeconds = 0;
            long livePages = 0;
            for (var i = 0; i < runs; i++)
            {
                var options = new Dictionary<string, string>
                {
                    ["count"] = products.ToString(CultureInfo.InvariantCulture), ["pageSize"] = pageSize.ToString(CultureInfo.InvariantCulture),
                    ["seed"] = "7", ["epoch"] = i.ToString(CultureInfo.InvariantCulture),
                };
                var (run, seconds) = await TimeAsync(app, commands => commands.StartIngestionAsync(new StartIngestionRequest("synthetic", options, "bench"), CancellationToken.None));
                Row($"live run {i + 1}", run, seconds);
                liveSeconds += seconds;
                livePages += run.Stages.PagesTransformed;
            }
            var before = await SnapshotAsync(app);
            await app.StopAsync();
            await app.DisposeAsync();

            Directory.CreateDirectory(rebuilt);
            using (var cp = Process.Start("cp", ["-a", Path.Combine(original, "rawzone"), Path.Combine(rebuilt, "rawzone")])) cp.WaitForExit();
            app = await PipelineHost.StartAsync(rebuilt);
            var (replay, replaySeconds) = await TimeAsync(app, c => c.StartReplayAsync(new StartReplayRequest("synthetic", Trigger: "bench"), CancellationToken.None));
            Row("replay into an empty store", replay, replaySeconds);
            var after = await SnapshotAsync(app);
            var (again, againSeconds) = await TimeAsync(app, c => c.StartReplayAsync(new StartReplayRequest("synthetic", Trigger: "bench"), CancellationToken.None));
            Row("replay over the same data", again, againSeconds);
            var afterAgain = await SnapshotAsync(app);
            await app.StopAsync();
            await app.DisposeAsync();

            Console.WriteLine();
            Console.WriteLine($"Live runs: {livePages:N0} pages in {liveSeconds:0.0} s (fetch, raw zone, transform, store, refresh).");
            Console.WriteLine($"Rebuilt store equals the original (products with times and lineage, price histories with times): {before.SequenceEqual(after)}; " +
                              $"unchanged by the second replay: {after.SequenceEqual(afterAgain)} ({before.Count:N0} products).");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static void Row(string phase, IngestionRun run, double seconds)
    {
        var pages = run.Stages.PagesTransformed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {phase} | {pages:N0} | {seconds:0.00} | {pages / seconds:N0} | {run.Stages.ProductsParsed / seconds:N0} | {run.Stages.ProductsUpserted:N0} | {run.Stages.PriceChanges:N0} | {run.Status.ToWire()} |"));
    }

    /// <summary>Starts a run, waits for it and its warehouse refresh to end; the wall time from the request to the refresh's end.</summary>
    private static async Task<(IngestionRun Run, double Seconds)> TimeAsync(WebApplication app, Func<IPipelineCommands, Task<StartIngestionResult>> start)
    {
        var clock = Stopwatch.StartNew();
        string runId;
        await using (var scope = app.Services.CreateAsyncScope())
            runId = (await start(scope.ServiceProvider.GetRequiredService<IPipelineCommands>())).Run.RunId;
        var runs = app.Services.GetRequiredService<IRunStore>();
        var refreshes = app.Services.GetRequiredService<IRefreshStore>();
        while (true)
        {
            var run = (await runs.GetRunAsync(runId, CancellationToken.None))!;
            if (run.Status.IsTerminal()
                && (await refreshes.GetLatestRefreshAsync(RefreshTriggers.AfterRun(runId), CancellationToken.None)) is { Status: var s } && s.IsTerminal())
                return (run, clock.Elapsed.TotalSeconds);
            if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"run {runId} did not end in 30 minutes");
            await Task.Delay(50);
        }
    }

    private static async Task<List<string>> SnapshotAsync(WebApplication app)
    {
        var store = app.Services.GetRequiredService<IProductStore>();
        var rows = new List<string>();
        await foreach (var p in store.ScanAsync(CancellationToken.None))
        {
            var history = await store.GetPriceHistoryAsync(p.Id, CancellationToken.None);
            rows.Add((p with { Tags = [] }) + string.Join("|", p.Tags) + string.Join(";", history));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
