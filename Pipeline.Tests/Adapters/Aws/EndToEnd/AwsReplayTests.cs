using System.Net.Http.Json;
using System.Text.Json;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// Replay on the AWS adapters and the local AWS-API servers: the DynamoDB store of one deployment rebuilt in another
/// from a copy of its S3 raw zone alone, with the source down, through the Kinesis stream (replay tasks, spread over the
/// shards, handed by the fetch stage to the transform).
/// </summary>
public sealed class AwsReplayTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--) await _disposables[i].DisposeAsync();
    }


    [Fact]
    public async Task A_DynamoDB_store_is_rebuilt_from_a_copied_S3_raw_zone_through_Kinesis_with_the_source_down()
    {
        var original = await AwsStack.CreateAsync("replay-a");
        _disposables.Add(original);
        var catalog = await FixtureCatalogServer.StartAsync();
        var settings = original.Settings();
        var app = new PipelineAppFactory(catalog, settings);
        _disposables.Add(app);
        var host = AwsStack.StartHost(app, settings);
        using var api = host.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        var first = await api.WaitForRunAsync(await api.StartRunAsync("dummyjson"));
        catalog.DummyProducts[3]!["price"] = 0.5m;
        var second = await api.WaitForRunAsync(await api.StartRunAsync("dummyjson"));
        Assert.Equal(("succeeded", "succeeded"), (first.Status, second.Status));
        var before = await StoreSnapshot.TakeAsync(host.Services.GetRequiredService<IProductStore>());
        Assert.Equal(2, before.Single(p => p.Product.Id == "dummyjson:4").History.Count);
        await catalog.DisposeAsync(); // the source is down from here on

        var copy = await AwsStack.CreateAsync("replay-b");
        _disposables.Add(copy);
        var copySettings = copy.Settings();
        copySettings["Pipeline:Sources:DummyJson:BaseUrl"] = "http://127.0.0.1:9/";
        var copyApp = new PipelineAppFactory(settings: copySettings);
        _disposables.Add(copyApp);
        var copyHost = AwsStack.StartHost(copyApp, copySettings);
        using var copyApi = copyHost.CreateClient(); // starting the host creates the bucket, tables and stream
        copyApi.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        // The backends are created when the host starts: ready once each answers.
        await Eventually.WaitForAsync(() => copyApi.GetAsync("/health/ready"), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "the copy's backends");
        var keys = await original.ListKeysAsync(RawKeys.Root);
        Assert.Equal(14, keys.Count);
        foreach (var key in keys) // each object with its metadata (fetched-at, run id), as a sync between buckets copies it
        {
            using var source = await original.S3.GetObjectAsync(original.BucketName, key);
            using var bytes = new MemoryStream();
            await source.ResponseStream.CopyToAsync(bytes);
            bytes.Position = 0;
            var put = new PutObjectRequest
            {
                BucketName = copy.BucketName, Key = key, InputStream = bytes, ContentType = source.Headers.ContentType, UseChunkEncoding = false,
            };
            foreach (var name in source.Metadata.Keys) put.Metadata[name] = source.Metadata[name];
            await copy.S3.PutObjectAsync(put);
        }

        var response = await copyApi.PostAsJsonAsync("/api/replays", new { source = "dummyjson" }, ApiCalls.Json);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var replayId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("runId").GetString()!;
        var replay = await copyApi.WaitForRunAsync(replayId);
        Assert.True(replay.Status == "succeeded", $"replay ended {replay.Status}: {string.Join("; ", replay.Errors)}");
        Assert.Equal(("succeeded", "replay", 14L, 0L, 0L), (replay.Status, replay.Trigger, replay.Stages.PagesRead, replay.Stages.PagesFetched, replay.Stages.PagesFailed));
        Assert.Equal("succeeded", replay.Refresh?.Status);

        var after = await StoreSnapshot.TakeAsync(copyHost.Services.GetRequiredService<IProductStore>());
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.Equal((before[i].Product, before[i].Tags), (after[i].Product, after[i].Tags));
            Assert.Equal(before[i].History, after[i].History);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var records = await copy.ReadStreamAsync(timeout.Token);
        var tasks = records.Select(r => (r.ShardId, Task: JsonSerializer.Deserialize(r.Data.Span, Pipeline.Core.Serialization.CoreJsonContext.Default.FetchTask)!)).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), tasks.Select(t => t.Task.ReplayKey!).Order(StringComparer.Ordinal));
        // One partition key per page (the replay, the page's run and number), so Kinesis' hash spreads the pages over the
        // shards; which shard each lands on depends on the random run ids, so it is not asserted.
        Assert.Equal(keys.Count, records.Select(r => r.PartitionKey).Distinct().Count());
        Assert.All(records, r => Assert.StartsWith($"{replayId}/", r.PartitionKey, StringComparison.Ordinal));
        Assert.All(tasks, t => Assert.Equal(replayId, t.Task.RunId));

        // An object put in the bucket by hand, without the metadata the fetch stage writes: quarantined with the reason, not retried.
        const string handPut = "20250101T000000Z-0badf00d";
        var handKey = RawKeys.Page("dummyjson", new DateOnly(2025, 1, 1), handPut, 1);
        await copy.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = copy.BucketName, Key = handKey, ContentBody = """{"products":[]}""", ContentType = "application/json", UseChunkEncoding = false,
        });
        var response2 = await copyApi.PostAsJsonAsync("/api/replays", new { source = "dummyjson", runId = handPut }, ApiCalls.Json);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response2.StatusCode);
        var unreadable = await copyApi.WaitForRunAsync(JsonDocument.Parse(await response2.Content.ReadAsStringAsync()).RootElement.GetProperty("runId").GetString()!);
        Assert.Equal(("partiallySucceeded", 1L, 0L), (unreadable.Status, unreadable.Stages.PagesFailed, unreadable.Stages.PagesRead));
        Assert.Contains(unreadable.Errors, e => e.StartsWith($"raw page {handKey} cannot be read: ", StringComparison.Ordinal) && e.Contains("x-amz-meta-", StringComparison.Ordinal));
    }
}
