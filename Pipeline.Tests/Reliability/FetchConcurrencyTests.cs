using Pipeline.Tests.Support;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// <c>Pipeline:Stream:FetchConcurrency</c>: a shard's batch is fetched that many pages at a time, never more, and a run
/// whose pages were all held back at once still ends with every page.
/// </summary>
public sealed class FetchConcurrencyTests : IAsyncLifetime
{
    private const int Concurrency = 3;
    private PipelineAppFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Stream:ShardCount"] = "1",
            ["Pipeline:Stream:BatchSize"] = "10",
            ["Pipeline:Stream:FetchConcurrency"] = $"{Concurrency}",
            ["Pipeline:Warehouse:RefreshAfterRun"] = "false",
        })
        {
            ConfigureServices = HeldSource.Register,
        };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_batch_is_fetched_FetchConcurrency_pages_at_a_time_and_never_more()
    {
        using var api = _app.CreateApiClient();
        var held = _app.Service<HeldSource>();
        var gate = held.Hold(_ => true);

        var runId = await api.StartRunAsync(HeldSource.SourceName, new { count = 2_000, pageSize = 100 });
        // Every fetch waits at the gate, so the fetches under way pile up to what the consumer allows at once.
        await Eventually.WaitForAsync(async () => (InFlight: held.InFlight, Run: await api.GetRunAsync(runId)),
            s => s.InFlight >= Concurrency || s.Run.Status is "failed" or "cancelled", TimeSpan.FromSeconds(30), $"{Concurrency} fetches to be under way");
        var before = await api.GetRunAsync(runId);
        Assert.True(before.Status == "running", $"the run ended {before.Status}: {string.Join("; ", before.Errors)}");
        gate.SetResult();
        var run = await api.WaitForRunAsync(runId, andRefresh: false);

        Assert.Equal(0, before.Stages.PagesFetched);
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(20, run.Stages.PagesFetched);
        Assert.Equal(2_000, run.Stages.ProductsUpserted);
        Assert.Equal(Concurrency, held.MaxInFlight);
    }
}
