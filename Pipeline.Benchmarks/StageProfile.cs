using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Benchmarks;

/// <summary>
/// Each stage on its own, one call at a time, on the real host with the event-source mappings off: where an end-to-end
/// run's time goes when nothing runs concurrently.
/// </summary>
public static class StageProfile
{
    public static async Task RunAsync(int products, int pageSize)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-bench", "stages-" + Guid.NewGuid().ToString("N")[..8]);
        var app = await PipelineHost.StartAsync(dataDirectory, new Dictionary<string, string?>
        {
            ["Pipeline:Local:EventSourceMappings"] = "false",
            ["Pipeline:Warehouse:RefreshAfterRun"] = "false",
        });
        try
        {
            var sp = app.Services;
            var runs = sp.GetRequiredService<IRunStore>();
            var markers = sp.GetRequiredService<IIdempotencyMarkers>();
            var stream = sp.GetRequiredService<IEventStream>();
            var table = new Table($"Stage profile: {products:N0} Synthetic products in pages of {pageSize}, one call at a time", "stage", "calls", "total s", "ms per call", "products/s", "CPU µs per product");
            var ingestion = sp.GetRequiredService<TriggerHandler>();
            var options = new Dictionary<string, string>
            {
                ["count"] = products.ToString(CultureInfo.InvariantCulture), ["pageSize"] = pageSize.ToString(CultureInfo.InvariantCulture),
                ["seed"] = "42", ["epoch"] = "1",
            };
            var created = await ingestion.CreateRunAsync(new StartIngestionRequest("synthetic", options, "bench"), CancellationToken.None);
            var runId = created.Run.RunId;
            var clock = Stopwatch.StartNew();
            var cpu0 = CpuClock.ProcessSeconds();
            await ingestion.PlanAndPublishAsync(runId, CancellationToken.None);
            var pages = (int)(await runs.GetRunAsync(runId, CancellationToken.None))!.Stages.TasksPublished;
            table.Add("plan + publish (TriggerHandler)", 1, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds, products / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / products);

            var records = new List<ReceivedRecord>();
            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            foreach (var shard in await stream.ListShardsAsync(CancellationToken.None))
            {
                var reader = stream.OpenShard(shard, null);
                while (true)
                {
                    var batch = await reader.ReadAsync(50, CancellationToken.None);
                    if (batch.Records.Count == 0) break;
                    records.AddRange(batch.Records);
                }
            }
            table.Add("stream read (batches of 50)", (records.Count + 49) / 50, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds / Math.Max(1, (records.Count + 49) / 50), products / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / products);

            // The second half of the records goes through the handler's calls one by one, each timed (CPU), as the transform's below.
            var fetchSteps = new Dictionary<string, double>();
            Task<T> FetchStep<T>(string name, Func<Task<T>> call) => TimedStepAsync(fetchSteps, name, call);
            var fetchedByHand = records.Skip(records.Count / 2).ToList();
            var notifications = sp.GetRequiredService<IRawZoneNotifications>();
            var sources = sp.GetRequiredService<Pipeline.Core.Sources.SourceRegistry>();
            var runFinisher = sp.GetRequiredService<RunFinisher>();
            var zone = sp.GetRequiredService<IRawZone>();
            foreach (var record in fetchedByHand)
            {
                var task = System.Text.Json.JsonSerializer.Deserialize(record.Data.Span, Pipeline.Core.Serialization.CoreJsonContext.Default.FetchTask)!;
                await FetchStep("GetRunAsync", () => runs.GetRunAsync(task.RunId, CancellationToken.None));
                await FetchStep("WasAppliedAsync", () => markers.WasAppliedAsync(task.RunId, $"fetch:{task.Page}", CancellationToken.None));
                var page = await FetchStep("source FetchAsync (page generation)", () => sources.Get(task.Source).FetchAsync(task, CancellationToken.None));
                var sha = await FetchStep("SHA-256 of the page", () => Task.FromResult(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(page.Bytes))));
                var metadata = new RawObjectMetadata
                {
                    RunId = task.RunId, Source = task.Source, SourceUrl = page.SourceUrl, FetchedAt = DateTimeOffset.UtcNow, Sha256 = sha, Page = task.Page,
                    ContentType = page.ContentType,
                };
                await FetchStep("raw zone PutAsync", async () => { await zone.PutAsync(task.RawKey, page.Bytes, metadata, CancellationToken.None); return true; });
                await FetchStep("ApplyOnceAsync", () => markers.ApplyOnceAsync(task.RunId, $"fetch:{task.Page}",
                    [new CounterDelta(Counter.PagesFetched, 1), new CounterDelta(Counter.RawObjects, 1), new CounterDelta(Counter.RawBytes, page.Bytes.Length)],
                    CancellationToken.None));
                await FetchStep("NotifyAsync", async () => { await notifications.NotifyAsync(new RawObjectCreated(task.RawKey, page.Bytes.Length), CancellationToken.None); return true; });
                await FetchStep("TryFinishAsync", async () => { await runFinisher.TryFinishAsync(task.RunId, CancellationToken.None); return true; });
            }
            var fetchedByHandProducts = (double)fetchedByHand.Count * pageSize;
            records = records.Take(records.Count / 2).ToList();

            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            var keys = new List<string>();
            await using (var scope = sp.CreateAsyncScope())
            {
                var fetch = scope.ServiceProvider.GetRequiredService<FetchHandler>();
                foreach (var record in records) await fetch.HandleRecordAsync(record.Data, CancellationToken.None);
            }
            table.Add("fetch (FetchHandler: generate page, raw zone put, counters; first half of the pages)", records.Count, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds / records.Count, records.Count * pageSize / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / (records.Count * pageSize));
            foreach (var (name, seconds) in fetchSteps)
                table.Add($"  fetch step (second half): {name}", fetchedByHand.Count, double.NaN, double.NaN, double.NaN, seconds * 1e6 / fetchedByHandProducts);

            var queue = sp.GetRequiredService<RawObjectQueue>();
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                try { await foreach (var item in queue.ReadAllAsync(cts.Token)) { keys.Add(item.Key); if (keys.Count == pages) break; } }
                catch (OperationCanceledException) { }
            }
            // The second half of the pages goes through the handler's calls one by one, each timed (CPU), to see where it goes.
            var manual = keys.Skip(keys.Count / 2).ToList();
            keys = keys.Take(keys.Count / 2).ToList();
            var steps = new Dictionary<string, double>();
            Task<T> Step<T>(string name, Func<Task<T>> call) => TimedStepAsync(steps, name, call);
            var productStore = sp.GetRequiredService<IProductStore>();
            var rawZone = sp.GetRequiredService<IRawZone>();
            var finisher = sp.GetRequiredService<RunFinisher>();
            foreach (var key in manual)
            {
                await Step("GetRunAsync", () => runs.GetRunAsync(runId, CancellationToken.None));
                await Step("WasAppliedAsync", () => markers.WasAppliedAsync(runId, $"transform:{key}", CancellationToken.None));
                var rawObject = await Step("raw zone GetAsync", () => rawZone.GetAsync(key, CancellationToken.None));
                var parsed = await Step("CatalogPageParser.Parse", () => Task.FromResult(Pipeline.Core.Sources.CatalogPageParser.Parse(rawObject!.Bytes.Span,
                    Pipeline.Core.Sources.CatalogFormat.DummyJson, new("synthetic", runId, key, rawObject.Metadata.FetchedAt))));
                await Step("UpsertAsync (new products)", () => productStore.UpsertAsync(parsed.Products, runId, rawObject!.Metadata.FetchedAt, CancellationToken.None));
                await Step("ApplyOnceAsync", () => markers.ApplyOnceAsync(runId, $"transform:{key}", [new CounterDelta(Counter.PagesTransformed, 1), new CounterDelta(Counter.ProductsParsed, parsed.RecordCount)], CancellationToken.None));
                await Step("TryFinishAsync", () => finisher.TryFinishAsync(runId, CancellationToken.None));
            }
            var manualProducts = manual.Count * pageSize;
            foreach (var (name, seconds) in steps)
                table.Add($"  transform step: {name}", manual.Count, double.NaN, double.NaN, double.NaN, seconds * 1e6 / manualProducts);

            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            await using (var scope = sp.CreateAsyncScope())
            {
                var transform = scope.ServiceProvider.GetRequiredService<TransformHandler>();
                foreach (var key in keys) await transform.HandleAsync(key, CancellationToken.None);
            }
            table.Add("transform + store (TransformHandler, first half of the pages)", keys.Count, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds / Math.Max(1, keys.Count), keys.Count * pageSize / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / (keys.Count * pageSize));

            var raw = sp.GetRequiredService<IRawZone>();
            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            foreach (var key in keys) await raw.GetAsync(key, CancellationToken.None);
            table.Add("  of which could be: raw zone get", keys.Count, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds / Math.Max(1, keys.Count), products / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / products);

            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            var store = sp.GetRequiredService<IProductStore>();
            var epoch2 = new List<Product>();
            for (var skip = 0; skip < Math.Min(products, 20 * pageSize); skip += pageSize)
                epoch2.AddRange(Pipeline.Core.Sources.CatalogPageParser.Parse(Pipeline.Core.Sources.SyntheticSource.GeneratePage(42, 1, products, skip, pageSize),
                    Pipeline.Core.Sources.CatalogFormat.DummyJson, new("synthetic", runId, "k", DateTimeOffset.UtcNow)).Products);
            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            for (var i = 0; i < epoch2.Count; i += pageSize)
                await store.UpsertAsync(epoch2.GetRange(i, Math.Min(pageSize, epoch2.Count - i)), runId, DateTimeOffset.UtcNow, CancellationToken.None);
            table.Add("  store upsert, unchanged products (UpsertAsync)", (epoch2.Count + pageSize - 1) / pageSize, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds / ((epoch2.Count + pageSize - 1) / pageSize), epoch2.Count / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / products);

            clock.Restart(); cpu0 = CpuClock.ProcessSeconds();
            var refresher = sp.GetRequiredService<WarehouseRefresher>();
            var refresh = await refresher.CreateAsync("bench", CancellationToken.None);
            refresh = await refresher.ExecuteAsync(refresh.RefreshId, CancellationToken.None);
            table.Add($"warehouse refresh ({refresh.Status.ToWire()})", 1, clock.Elapsed.TotalSeconds, clock.Elapsed.TotalMilliseconds, products / clock.Elapsed.TotalSeconds, (CpuClock.ProcessSeconds() - cpu0) * 1e6 / products);
            Report.Print(table);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Runs one call of a handler's, adding the process CPU time it took to <paramref name="steps"/>[<paramref name="name"/>].</summary>
    private static async Task<T> TimedStepAsync<T>(Dictionary<string, double> steps, string name, Func<Task<T>> call)
    {
        var started = CpuClock.ProcessSeconds();
        var result = await call();
        steps[name] = steps.GetValueOrDefault(name) + CpuClock.ProcessSeconds() - started;
        return result;
    }
}
