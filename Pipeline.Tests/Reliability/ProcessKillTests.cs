using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The host killed (SIGKILL, whole process tree) in the middle of a 200k-product Synthetic run, then started again on
/// the same data directory: the run resumes where each stage stopped, and every product is stored exactly once, with
/// one price observation, and the counts reconcile stage by stage.
/// </summary>
[Collection(HeavyRunCollection.Name)]
public sealed class ProcessKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Products = 200_000;
    private const int PageSize = 100;
    private const int Pages = Products / PageSize;
    private static readonly string[] Terminal = ["succeeded", "partiallySucceeded", "failed", "cancelled"];
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-tests", "kill-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp folder */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_run_killed_mid_way_resumes_after_a_restart_and_stores_every_product_exactly_once()
    {
        RunDto atKill;
        string runId;
        await using (var first = await PipelineProcess.StartAsync(_dataDirectory))
        {
            using var api = first.CreateApiClient();
            runId = await api.StartRunAsync("synthetic", new { count = Products, pageSize = PageSize, seed = 7, epoch = 1 });
            atKill = await Eventually.WaitForAsync(() => api.GetRunAsync(runId),
                r => r.Stages.PagesTransformed >= Pages / 20 || Terminal.Contains(r.Status), TimeSpan.FromMinutes(3), "the run to be under way");
            await first.KillAsync();
        }
        output.WriteLine($"killed at: {atKill.Status}, fetched {atKill.Stages.PagesFetched}, transformed {atKill.Stages.PagesTransformed} of {Pages} pages");
        Assert.Equal("running", atKill.Status);
        Assert.True(atKill.Stages.PagesFetched < Pages, "the kill should land before the fetch stage is done");

        await using var second = await PipelineProcess.StartAsync(_dataDirectory);
        using var api2 = second.CreateApiClient();
        var resumed = await Eventually.WaitForAsync(() => api2.GetRunAsync(runId), r => Terminal.Contains(r.Status), TimeSpan.FromMinutes(6),
            $"run {runId} to end after the restart");
        output.WriteLine($"after restart: {resumed.Status}, errors: {string.Join("; ", resumed.Errors)}");

        var final = resumed;
        if (resumed.Status != "succeeded")
        {
            // Not resumed: it must say why, and a retry must still store everything exactly once.
            Assert.Equal("failed", resumed.Status);
            Assert.NotEmpty(resumed.Errors);
            final = await api2.WaitForRunAsync(await api2.StartRunAsync("synthetic", new { count = Products, pageSize = PageSize, seed = 7, epoch = 1 }),
                andRefresh: false);
            Assert.Equal("succeeded", final.Status);
        }
        Assert.Empty(final.Errors);

        // Counts reconcile stage by stage.
        var s = final.Stages;
        Assert.Equal(Pages, s.TasksPublished);
        Assert.Equal(s.TasksPublished, s.PagesFetched);
        Assert.Equal(s.PagesFetched, s.RawObjects);
        Assert.Equal(s.RawObjects, s.PagesTransformed);
        Assert.Equal(0, s.PagesFailed);
        Assert.Equal(Products, s.ProductsParsed);
        Assert.Equal(s.ProductsParsed, s.ProductsUpserted + s.ProductsUnchanged + s.ProductsRejected);
        Assert.Equal(0, s.ProductsRejected);

        // Every product exactly once, each with exactly one price observation, and one raw object per page.
        var database = new SqliteDatabase(Path.Combine(_dataDirectory, "store.db"));
        var store = new SqliteProductStore(database);
        Assert.Equal(Products, await store.CountAsync("synthetic", CancellationToken.None));
        var observations = new Dictionary<string, int>();
        await foreach (var o in store.ScanPriceObservationsAsync(CancellationToken.None))
            observations[o.ProductId] = observations.GetValueOrDefault(o.ProductId) + 1;
        Assert.Equal(Products, observations.Count);
        Assert.All(observations, o => Assert.Equal(1, o.Value));
        var rawZone = new FolderRawZone(Path.Combine(_dataDirectory, "rawzone"));
        var prefix = RawKeys.RunPrefix("synthetic", DateOnly.FromDateTime(final.CreatedAt.UtcDateTime), final.RunId);
        var rawObjects = 0;
        string? token = null;
        do
        {
            var page = await rawZone.ListAsync(prefix, 1000, token, CancellationToken.None);
            rawObjects += page.Items.Count;
            token = page.NextPageToken;
        } while (token is not null);
        Assert.Equal(Pages, rawObjects);
    }
}
