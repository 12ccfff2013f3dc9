using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Adapters.Local;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;
using Pipeline.Runtime;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// One active run per source: simultaneous requests start one run and the others are answered 409 with that run's id.
/// An operator can cancel a run mid-way: it ends <c>cancelled</c> and its remaining tasks do no work. The runs are of the
/// <see cref="HeldSource"/>, so they are still going when the test acts on them, however fast the pipeline is.
/// </summary>
public sealed class ConcurrentRunAndCancelTests : IAsyncLifetime
{
    private FixtureCatalogServer _catalog = null!;
    private PipelineAppFactory _app = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _catalog = await FixtureCatalogServer.StartAsync();
        _app = new PipelineAppFactory(_catalog, new Dictionary<string, string?> { ["Pipeline:Warehouse:RefreshAfterRun"] = "false" })
        {
            ConfigureServices = HeldSource.Register,
        };
        _api = _app.CreateApiClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    private static StringContent Held(int count) =>
        new($"{{\"source\":\"{HeldSource.SourceName}\",\"options\":{{\"count\":{count}}}}}", System.Text.Encoding.UTF8, "application/json");

    /// <summary>Every shard's consumer has checkpointed the last record published and every raw object was handed on.</summary>
    private async Task WaitForPipelineToDrainAsync()
    {
        var stream = (LocalEventStream)_app.Service<IEventStream>();
        var checkpoints = _app.Service<ICheckpointStore>();
        var rawObjects = _app.Service<RawObjectQueue>();
        await Eventually.WaitForAsync(async () =>
        {
            var behind = 0L;
            foreach (var (shard, latest) in await stream.LatestSequenceNumbersAsync(CancellationToken.None))
            {
                var at = await checkpoints.GetCheckpointAsync(StreamConsumer.ConsumerName, shard, CancellationToken.None);
                behind += latest - (at is null ? 0 : long.Parse(at));
            }
            return (behind, pending: rawObjects.Pending);
        }, s => s.behind == 0 && s.pending == 0, TimeSpan.FromSeconds(120), "the stream consumer and the transform to drain");
    }

    [Fact]
    public async Task Simultaneous_requests_for_one_source_start_one_run_and_the_others_get_409_naming_it()
    {
        const int requests = 12;
        var lastPage = _app.Service<HeldSource>().Hold(page => page == 2000); // 200,000 products in pages of 100
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clients = Enumerable.Range(0, requests).Select(_ => _app.CreateApiClient()).ToList();
        var posts = clients.Select(async client =>
        {
            await go.Task;
            using var response = await client.PostAsync("/api/ingestions", Held(200_000));
            return (response.StatusCode, Body: JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }).ToList();

        go.SetResult();
        var answers = await Task.WhenAll(posts);
        clients.ForEach(c => c.Dispose());

        var accepted = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        var runId = accepted.Body.GetProperty("runId").GetString()!;
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Accepted), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
            Assert.Equal(runId, a.Body.GetProperty("runId").GetString());
            Assert.Equal("A run of this source is already active.", a.Body.GetProperty("title").GetString());
        });
        var runs = (await _api.GetFromJsonAsync<ItemsResponse<RunDto>>("/api/ingestions", ApiCalls.Json))!.Items;
        Assert.Equal(runId, Assert.Single(runs).RunId);

        // Another source is not held up by it.
        using var other = await _api.PostAsync("/api/ingestions", new StringContent("{\"source\":\"fakestore\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.NotEqual(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _api.PostAsync($"/api/ingestions/{runId}/cancel", null)).StatusCode);
        lastPage.SetResult();
    }

    [Fact]
    public async Task A_run_cancelled_mid_way_ends_cancelled_and_its_remaining_tasks_do_no_work()
    {
        // Pages past the 100th wait until the cancel has been answered, so it lands with most of the run to go.
        var rest = _app.Service<HeldSource>().Hold(page => page > 100);
        var runId = await _api.StartRunAsync(HeldSource.SourceName, new { count = 100_000 });
        await Eventually.WaitForAsync(() => _api.GetRunAsync(runId), r => r.Stages.PagesTransformed >= 20, TimeSpan.FromSeconds(60),
            "the run to be under way");

        using var cancel = await _api.PostAsync($"/api/ingestions/{runId}/cancel", null);
        var atCancel = (await cancel.Content.ReadFromJsonAsync<RunDto>(ApiCalls.Json))!;
        rest.SetResult();
        await WaitForPipelineToDrainAsync();
        var final = await _api.GetRunAsync(runId);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", atCancel.Status);
        Assert.Equal("cancelled", final.Status);
        Assert.Contains("cancelled by operator", final.Errors);
        Assert.NotNull(final.FinishedAt);
        Assert.Equal(1000, final.Stages.TasksPublished);
        // At most the pages already in hand when the cancel landed are finished: the fetches under way (each shard's
        // consumer runs up to FetchConcurrency at once) and one page per transform worker.
        var stream = _app.Service<Microsoft.Extensions.Options.IOptions<Pipeline.Core.Configuration.PipelineOptions>>().Value.Stream;
        var inFlight = stream.ShardCount * stream.FetchConcurrency;
        var workers = _app.Service<Microsoft.Extensions.Options.IOptions<LocalMappingOptions>>().Value.EffectiveTransformWorkers;
        Assert.InRange(final.Stages.PagesFetched, atCancel.Stages.PagesFetched, atCancel.Stages.PagesFetched + inFlight);
        Assert.InRange(final.Stages.PagesTransformed, atCancel.Stages.PagesTransformed, atCancel.Stages.PagesTransformed + workers + 2);
        Assert.True(final.Stages.PagesFetched <= 100 + inFlight, $"{final.Stages.PagesFetched} of 1000 pages were fetched after the cancel");
        Assert.Equal(final.Stages.ProductsUpserted, await _app.Service<IProductStore>().CountAsync(HeldSource.SourceName, CancellationToken.None));

        using var again = await _api.PostAsync($"/api/ingestions/{runId}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var next = await _api.StartRunAsync(HeldSource.SourceName, new { count = 500 }); // the source is free again
        Assert.Equal("succeeded", (await _api.WaitForRunAsync(next, andRefresh: false)).Status);
    }

    [Fact]
    public async Task A_run_cancelled_before_it_is_planned_publishes_nothing()
    {
        // Runs are planned one at a time: a DummyJSON run whose planning probe hangs holds a FakeStore run in the queue.
        _catalog.Enqueue(Fault.Slow("select=id", TimeSpan.FromSeconds(60)));
        var stuck = await _api.StartRunAsync("dummyjson");
        var queued = await _api.StartRunAsync("fakestore");

        using var cancel = await _api.PostAsync($"/api/ingestions/{queued}/cancel", null);
        using var cancelStuck = await _api.PostAsync($"/api/ingestions/{stuck}/cancel", null);
        var plans = _app.Service<PlanQueue>();
        await Eventually.WaitForAsync(() => Task.FromResult(plans.Pending), n => n == 0, TimeSpan.FromSeconds(60), "both plans to be handled");
        var run = await _api.GetRunAsync(queued);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancelStuck.StatusCode);
        Assert.Equal("cancelled", run.Status);
        Assert.Equal(0, run.Stages.TasksPublished);
        Assert.Equal(0, _catalog.Hits("/fakestore/products"));
        Assert.Equal("cancelled", (await _api.GetRunAsync(stuck)).Status); // its planning failing later does not overwrite that
    }
}
