using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Core.Serialization;
using Pipeline.Tests.Adapters.Aws.Kinesis.Support;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// The end-to-end variant of KinesisFailureTests.A_throttled_PutRecords_entry_is_retried_alone: the Web host publishes
/// a run's fetch tasks through a test server in front of kinesalite that reports one entry of the first PutRecords as
/// throttled; only that entry is sent again, and the run completes with each task in the stream exactly once.
/// </summary>
public sealed class AwsThrottlingTests : IAsyncLifetime
{
    private const int ThrottledIndex = 3;

    private AwsStack _stack = null!;
    private FixtureCatalogServer _catalog = null!;

    public async Task InitializeAsync()
    {
        _stack = await AwsStack.CreateAsync("throttle");
        _catalog = await FixtureCatalogServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_catalog is not null) await _catalog.DisposeAsync();
        if (_stack is not null) await _stack.DisposeAsync();
    }

    [Fact]
    public async Task A_throttled_fetch_task_is_published_again_alone_and_the_run_completes_with_each_task_once()
    {
        var putCalls = 0;
        await using var kinesis = new KinesisTestServer(new Uri(EmulatorEndpoints.KinesisUrl), async (call, self) =>
        {
            if (call.Operation != "PutRecords" || Interlocked.Increment(ref putCalls) != 1) return null;
            var request = call.Json;
            request["Records"]!.AsArray().RemoveAt(ThrottledIndex);
            var response = JsonNode.Parse((await self.ForwardAsync(call, request.ToJsonString())).Body)!.AsObject();
            response["Records"]!.AsArray().Insert(ThrottledIndex, new JsonObject
            {
                ["ErrorCode"] = "ProvisionedThroughputExceededException",
                ["ErrorMessage"] = "Rate exceeded for shard shardId-000000000001 in stream under account 000000000000.",
            });
            response["FailedRecordCount"] = 1;
            return new ServerAnswer(200, response.ToJsonString());
        });
        var settings = _stack.Settings(kinesisUrl: kinesis.Url.ToString());
        settings["Pipeline:Warehouse:RefreshAfterRun"] = "false";
        await using var app = new PipelineAppFactory(_catalog, settings);
        using var api = AwsStack.StartHost(app, settings).CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);

        var run = await api.WaitForRunAsync(await api.StartRunAsync("dummyjson"), andRefresh: false);

        Assert.True(run.Status == "succeeded", $"run {run.RunId} ended {run.Status}: {string.Join("; ", run.Errors)}");
        Assert.Equal(194, run.Stages.ProductsUpserted);
        var puts = kinesis.CallsOf("PutRecords").Select(c => c.Json["Records"]!.AsArray()).ToList();
        Assert.Equal([7, 1], puts.Select(p => p.Count));
        Assert.Equal(puts[0][ThrottledIndex]!.ToJsonString(), Assert.Single(puts[1])!.ToJsonString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pages = (await _stack.ReadStreamAsync(timeout.Token))
            .Select(r => JsonSerializer.Deserialize(r.Data.Span, CoreJsonContext.Default.FetchTask)!)
            .Where(t => t.RunId == run.RunId)
            .Select(t => t.Page)
            .Order();
        Assert.Equal(Enumerable.Range(1, 7), pages);
    }
}
