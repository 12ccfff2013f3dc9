using System.Net.Http.Json;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The host killed (SIGKILL, whole process tree) in the middle of the warehouse refresh after a 1,000,000-product run
/// that follows a 200,000-product one with other prices, then started again on the same data directory: the refresh
/// is taken up again (its interrupted attempt recorded), ends <c>succeeded</c>, the warehouse reconciles with the
/// store, and the price-change metrics include the large run.
/// </summary>
[Collection(HeavyRunCollection.Name)]
public sealed class RefreshKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Products = 1_000_000;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-tests", "refresh-kill-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp folder */ }
        return Task.CompletedTask;
    }

    private string WarehouseFile => Path.Combine(_dataDirectory, "warehouse.duckdb");

    private long WarehouseBytes() => File.Exists(WarehouseFile) ? new FileInfo(WarehouseFile).Length : 0;

    [Fact]
    public async Task A_refresh_killed_mid_load_is_completed_after_a_restart_and_the_warehouse_reconciles()
    {
        string runId;
        long grownAtKill;
        await using (var first = await PipelineProcess.StartAsync(_dataDirectory))
        {
            using var api = first.CreateApiClient();
            var before = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 200_000, seed = 7 }),
                timeout: TimeSpan.FromMinutes(3));
            Assert.Equal("succeeded", before.Refresh?.Status);

            runId = await api.StartRunAsync("synthetic", new { count = Products, seed = 9 });
            var running = await Eventually.WaitForAsync(() => api.GetRunAsync(runId), r => r.Refresh is { Status: not "queued" } || r.Status == "failed",
                TimeSpan.FromMinutes(6), $"run {runId} to end and its refresh to start");
            Assert.Equal(("succeeded", "running"), (running.Status, running.Refresh!.Status));
            // Killed once the refresh has committed part of its load into the file (each chunk is checkpointed into it).
            var startBytes = WarehouseBytes();
            grownAtKill = await Eventually.WaitForAsync(() => Task.FromResult(WarehouseBytes() - startBytes), grown => grown >= 32L << 20,
                TimeSpan.FromMinutes(2), "the refresh to commit 32 MiB into the warehouse file");
            var atKill = await api.GetRunAsync(runId);
            await first.KillAsync();
            output.WriteLine($"killed with the warehouse file {grownAtKill >> 20} MiB larger; refresh then: {atKill.Refresh?.Status}");
            Assert.Equal("running", atKill.Refresh?.Status);
        }

        await using var second = await PipelineProcess.StartAsync(_dataDirectory);
        using var api2 = second.CreateApiClient();
        var finished = await Eventually.WaitForAsync(() => api2.GetRunAsync(runId), r => r.Refresh is { Status: "succeeded" or "failed" },
            TimeSpan.FromMinutes(5), $"the refresh of run {runId} to end after the restart");
        output.WriteLine($"after restart: refresh {finished.Refresh!.Status}, {finished.Refresh.Attempts} attempts, error {finished.Refresh.Error}");
        Assert.Equal("succeeded", finished.Refresh.Status);

        var refresh = (await api2.GetFromJsonAsync<RefreshDto>($"/api/warehouse/refreshes/{finished.Refresh.RefreshId}", ApiCalls.Json))!;
        Assert.Equal(["failed", "succeeded"], refresh.Attempts.Select(a => a.Status));
        Assert.Equal("interrupted: the process stopped during the attempt", refresh.Attempts[0].Error);

        var reconciliation = (await api2.GetFromJsonAsync<ReconciliationResponse>("/api/warehouse/reconciliation", ApiCalls.Json))!;
        var synthetic = Assert.Single(reconciliation.Items);
        output.WriteLine($"reconciliation: {synthetic}");
        Assert.True(reconciliation.Matches);
        Assert.Equal((Products, Products), (synthetic.StoreProducts, synthetic.WarehouseProducts));
        Assert.Equal(synthetic.StoreObservations, synthetic.WarehouseObservations);
        Assert.True(synthetic.StoreObservations > Products, "the second run changed prices of the first run's products");

        // The price-change metrics include the large run: the newest change is one of its observations.
        var run = await api2.GetRunAsync(runId);
        var newest = (await api2.GetFromJsonAsync<ItemsResponse<Pipeline.Core.Domain.PriceChange>>("/api/metrics/price-changes?limit=1", ApiCalls.Json))!.Items;
        Assert.True(Assert.Single(newest).ObservedAt >= run.StartedAt, $"newest change at {newest[0].ObservedAt}, run started {run.StartedAt}");
    }
}
