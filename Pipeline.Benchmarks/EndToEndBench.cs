using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Benchmarks;

/// <summary>What one end-to-end run measured (also passed from a child process to the bench command as JSON).</summary>
public sealed record EndToEndResult
{
    public int Products { get; init; }
    public int PageSize { get; init; }
    /// <summary>1 for the first run into empty backends; 2 for the next run (a new epoch: about one price in ten moves).</summary>
    public int Run { get; init; } = 1;
    public string Status { get; init; } = "";
    public long ProductsUpserted { get; init; }
    public long RawBytes { get; init; }
    public long Pages { get; init; }
    public double PublishedAtSeconds { get; init; }
    public double FetchFirstSeconds { get; init; }
    public double FetchedAtSeconds { get; init; }
    public double TransformFirstSeconds { get; init; }
    public double RunEndedSeconds { get; init; }
    public double WarehouseStartSeconds { get; init; }
    public double WarehouseEndSeconds { get; init; }
    public long WarehouseProducts { get; init; }
    public long WarehouseObservations { get; init; }
    public long PeakWorkingSet { get; init; }
    public long PeakGcHeap { get; init; }
    public long PeakGcCommitted { get; init; }
    public long AllocatedBytes { get; init; }
    public int Gen2Collections { get; init; }
    public double CpuSeconds { get; init; }
    /// <summary>The store's SQLite writer: time in transactions up to the run's end and to the refresh's end, writes, commits.</summary>
    public double WriterBusyToRunEndSeconds { get; init; }
    public double WriterBusySeconds { get; init; }
    public double WriterCpuToRunEndSeconds { get; init; }
    public long WriterWrites { get; init; }
    public long WriterCommits { get; init; }
    public long WriterCacheHits { get; init; }
    public long WriterCacheMisses { get; init; }
    /// <summary>The store's WAL: background checkpoint passes, the writer's catch-ups, and WAL restarts.</summary>
    public long CheckpointPasses { get; init; }
    public long CheckpointCatchUps { get; init; }
    public long CheckpointRestarts { get; init; }
    public double TotalSeconds => WarehouseEndSeconds;
}

/// <summary>
/// Benchmark 2: Synthetic products through stream → raw zone → transform → store → warehouse on the embedded backends,
/// in-process, timed from the start request to the end of the warehouse refresh the run triggers.
/// </summary>
public static class EndToEndBench
{
    public static async Task<(List<EndToEndResult> Results, WebApplication App, string DataDirectory)> RunAsync(int products, int pageSize, int runs)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-bench", $"e2e-{products}-{Guid.NewGuid():N}"[..30]);
        var app = await PipelineHost.StartAsync(dataDirectory);
        var results = new List<EndToEndResult>();
        for (var run = 1; run <= runs; run++) results.Add(await RunOnceAsync(app, products, pageSize, run));
        return (results, app, dataDirectory);
    }

    private static bool EverythingChanges => Environment.GetEnvironmentVariable("PIPELINE_BENCH_NEXT_SEED") == "1";

    private static async Task<EndToEndResult> RunOnceAsync(WebApplication app, int products, int pageSize, int runNumber)
    {
        var runs = app.Services.GetRequiredService<IRunStore>();
        var refreshes = app.Services.GetRequiredService<IRefreshStore>();
        using var sampler = new MemorySampler();
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gen2Before = GC.CollectionCount(2);
        var cpuBefore = CpuClock.ProcessSeconds();
        var store = app.Services.GetRequiredService<SqliteDatabase>();
        var cpuOfWriterBefore = store.WriterBusyCpu;
        var cpuOfWriterAtRunEnd = TimeSpan.Zero;
        var (busyBefore, writesBefore, commitsBefore, checkpointsBefore, cacheBefore) =
            (store.WriterBusy, store.Writes, store.Commits, store.Checkpoints, store.WriterCache);
        var busyAtRunEnd = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        string runId;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var options = new Dictionary<string, string>
            {
                ["count"] = products.ToString(CultureInfo.InvariantCulture),
                ["pageSize"] = pageSize.ToString(CultureInfo.InvariantCulture),
                // PIPELINE_BENCH_NEXT_SEED=1: each later run takes a new seed, so every product changes (as a catalog rewritten
                // by its source); otherwise the next epoch of the same seed, where about one price in ten moves.
                ["seed"] = (TransformInputs.Seed + (EverythingChanges ? runNumber - 1 : 0)).ToString(CultureInfo.InvariantCulture),
                ["epoch"] = (TransformInputs.Epoch + (EverythingChanges ? 0 : runNumber - 1)).ToString(CultureInfo.InvariantCulture),
            };
            var started = await scope.ServiceProvider.GetRequiredService<IPipelineCommands>()
                .StartIngestionAsync(new StartIngestionRequest("synthetic", options, "bench"), CancellationToken.None);
            runId = started.Run.RunId;
        }

        double published = 0, fetchFirst = 0, fetched = 0, transformFirst = 0, ended = 0;
        IngestionRun run;
        while (true)
        {
            run = (await runs.GetRunAsync(runId, CancellationToken.None))!;
            var now = clock.Elapsed.TotalSeconds;
            if (published == 0 && run.PlanningComplete) published = now;
            if (fetchFirst == 0 && run.Stages.PagesFetched > 0) fetchFirst = now;
            if (fetched == 0 && run.PlanningComplete && run.Stages.PagesFetched + run.Stages.PagesFailed >= run.Stages.TasksPublished) fetched = now;
            if (transformFirst == 0 && run.Stages.PagesTransformed > 0) transformFirst = now;
            if (run.Status.IsTerminal()) { ended = now; busyAtRunEnd = store.WriterBusy; cpuOfWriterAtRunEnd = store.WriterBusyCpu; break; }
            if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"run {runId} did not end in 30 minutes: {run.Status}");
            await Task.Delay(50);
        }
        WarehouseRefresh? refresh = null;
        if (run.Status is RunStatus.Succeeded or RunStatus.PartiallySucceeded)
        {
            while (refresh is not { Status: var s } || !s.IsTerminal())
            {
                refresh = await refreshes.GetLatestRefreshAsync(RefreshTriggers.AfterRun(runId), CancellationToken.None);
                if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException("the warehouse refresh did not end in 30 minutes");
                if (refresh is null || !refresh.Status.IsTerminal()) await Task.Delay(50);
            }
        }
        var done = clock.Elapsed.TotalSeconds;
        var startedAt = run.CreatedAt;
        var (checkpointsAfter, cacheAfter) = (store.Checkpoints, store.WriterCache);
        var result = new EndToEndResult
        {
            Products = products,
            PageSize = pageSize,
            Run = runNumber,
            Status = run.Status.ToWire() + (refresh is null ? "" : $", refresh {refresh.Status.ToWire()}{(refresh.Error is null ? "" : ": " + refresh.Error)}"),
            ProductsUpserted = run.Stages.ProductsUpserted,
            RawBytes = run.Stages.RawBytes,
            Pages = run.Stages.PagesTransformed,
            PublishedAtSeconds = published,
            FetchFirstSeconds = fetchFirst,
            FetchedAtSeconds = fetched,
            TransformFirstSeconds = transformFirst,
            RunEndedSeconds = ended,
            // The refresh's own timestamps (ms) place the load inside the run's timeline.
            WarehouseStartSeconds = refresh?.StartedAt is { } rs ? Math.Max(ended, (rs - startedAt).TotalSeconds) : done,
            WarehouseEndSeconds = done,
            WarehouseProducts = refresh?.ProductsLoaded ?? 0,
            WarehouseObservations = refresh?.ObservationsLoaded ?? 0,
            PeakWorkingSet = Machine.PeakWorkingSet(),
            PeakGcHeap = sampler.PeakHeap,
            PeakGcCommitted = sampler.PeakCommitted,
            AllocatedBytes = GC.GetTotalAllocatedBytes() - allocatedBefore,
            Gen2Collections = GC.CollectionCount(2) - gen2Before,
            CpuSeconds = CpuClock.ProcessSeconds() - cpuBefore,
            WriterBusyToRunEndSeconds = (busyAtRunEnd - busyBefore).TotalSeconds,
            WriterBusySeconds = (store.WriterBusy - busyBefore).TotalSeconds,
            WriterCpuToRunEndSeconds = (cpuOfWriterAtRunEnd - cpuOfWriterBefore).TotalSeconds,
            WriterWrites = store.Writes - writesBefore,
            WriterCommits = store.Commits - commitsBefore,
            WriterCacheHits = cacheAfter.Hits - cacheBefore.Hits,
            WriterCacheMisses = cacheAfter.Misses - cacheBefore.Misses,
            CheckpointPasses = checkpointsAfter.Passes - checkpointsBefore.Passes,
            CheckpointCatchUps = checkpointsAfter.CatchUps - checkpointsBefore.CatchUps,
            CheckpointRestarts = checkpointsAfter.Restarts - checkpointsBefore.Restarts,
        };
        return result;
    }

    public static Table Tables(IReadOnlyList<EndToEndResult> results, out Table stages, out Table memory)
    {
        var summary = new Table("End to end, embedded backends (Synthetic source → local stream → raw folder → SQLite → DuckDB)",
            "products", "run", "page size", "status", "total s", "products/s", "raw MB/s", "CPU s", "CPU µs per product", "allocated MiB");
        stages = new Table("End to end: when each stage finished (seconds from the start request; stages overlap)",
            "products", "run", "planning + publish", "fetch (first → all)", "transform + store (first → run ended)", "warehouse load", "ingestion products/s (to run end)",
            "store writer busy s (to run end / to refresh end)", "writer on CPU s (to run end)", "writes / commits", "writer cache misses per product (hits)", "WAL passes / catch-ups / restarts");
        memory = new Table("End to end: peak memory (process peak so far: a second run's figure includes the first run)", "products", "run", "peak working set (VmHWM) MiB", "peak GC heap MiB", "peak GC committed MiB", "gen2 GCs");
        foreach (var r in results)
        {
            summary.Add(r.Products, RunName(r), r.PageSize, r.Status, r.TotalSeconds, r.Products / r.TotalSeconds, Report.Mb(r.RawBytes) / r.TotalSeconds,
                r.CpuSeconds, r.CpuSeconds * 1e6 / r.Products, Report.Mb(r.AllocatedBytes));
            stages.Add(r.Products, RunName(r), $"{r.PublishedAtSeconds:0.0}", $"{r.FetchFirstSeconds:0.0} → {r.FetchedAtSeconds:0.0}",
                $"{r.TransformFirstSeconds:0.0} → {r.RunEndedSeconds:0.0}",
                $"{r.WarehouseStartSeconds:0.0} → {r.WarehouseEndSeconds:0.0} ({r.WarehouseEndSeconds - r.WarehouseStartSeconds:0.0} s, {r.WarehouseProducts:N0} products, {r.WarehouseObservations:N0} observations)",
                r.Products / r.RunEndedSeconds,
                $"{r.WriterBusyToRunEndSeconds:0.0} ({r.WriterBusyToRunEndSeconds / r.RunEndedSeconds:P0} of {r.RunEndedSeconds:0.0}) / {r.WriterBusySeconds:0.0}",
                $"{r.WriterCpuToRunEndSeconds:0.0} ({r.WriterCpuToRunEndSeconds / Math.Max(r.WriterBusyToRunEndSeconds, 1e-9):P0} of busy)",
                $"{r.WriterWrites:N0} / {r.WriterCommits:N0}", $"{(double)r.WriterCacheMisses / r.Products:0.0} ({(double)r.WriterCacheHits / r.Products:0})", $"{r.CheckpointPasses:N0} / {r.CheckpointCatchUps:N0} / {r.CheckpointRestarts:N0}");
            memory.Add(r.Products, RunName(r), Report.Mb(r.PeakWorkingSet), Report.Mb(r.PeakGcHeap), Report.Mb(r.PeakGcCommitted), r.Gen2Collections);
        }
        return summary;
    }

    private static string RunName(EndToEndResult r) =>
        r.Run == 1 ? "1st (empty backends)" : EverythingChanges ? $"{r.Run}nd (new seed: every product changed)" : $"{r.Run}nd (next epoch: ~1 price in 10 moves)";

    public static string ToJson(EndToEndResult result) => JsonSerializer.Serialize(result);

    public static EndToEndResult FromJson(string json) => JsonSerializer.Deserialize<EndToEndResult>(json)!;
}

/// <summary>Samples the GC heap every 20 ms; its peak is what the managed side needed at most.</summary>
public sealed class MemorySampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakHeap, _peakCommitted;

    public MemorySampler()
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try { await Task.Delay(20, _stop.Token); }
                catch (OperationCanceledException) { break; }
            }
        });
    }

    private void Sample()
    {
        var info = GC.GetGCMemoryInfo();
        var heap = GC.GetTotalMemory(false);
        InterlockedMax(ref _peakHeap, heap);
        InterlockedMax(ref _peakCommitted, info.TotalCommittedBytes);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    public long PeakHeap { get { Sample(); return _peakHeap; } }

    public long PeakCommitted { get { Sample(); return _peakCommitted; } }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
    }
}
