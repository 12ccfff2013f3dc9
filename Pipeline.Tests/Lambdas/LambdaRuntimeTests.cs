using System.Text;
using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Lambdas.Support;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>
/// The three functions invoked as the managed runtime invokes them (handler string → assembly → type → method, payload
/// stream in, answer stream out), configured only by environment variables, on the embedded backends.
/// </summary>
[Collection(LambdaRuntimeCollection.Name)]
public sealed class LambdaRuntimeTests(LambdaEnvironment env)
{
    private sealed record HttpAnswer(int Status, JsonElement Body, JsonElement Headers);

    private async Task<HttpAnswer> TriggerAsync(byte[] httpEvent)
    {
        var response = JsonDocument.Parse(await env.Trigger.InvokeAsync(httpEvent)).RootElement;
        var body = response.GetProperty("body").GetString()!;
        return new HttpAnswer(response.GetProperty("statusCode").GetInt32(), JsonDocument.Parse(body).RootElement, response.GetProperty("headers"));
    }

    private async Task<string> StartRunAsync(string source, string options)
    {
        var answer = await TriggerAsync(LambdaEvents.HttpPost($"{{\"source\":\"{source}\",\"options\":{options}}}"));
        Assert.True(answer.Status == 202, $"Expected 202, got {answer.Status}: {answer.Body}");
        return answer.Body.GetProperty("runId").GetString()!;
    }

    private async Task<List<string>> FetchAsync(IEnumerable<ReceivedRecord> batch)
    {
        var answer = JsonDocument.Parse(await env.Fetch.InvokeAsync(LambdaEvents.Kinesis(batch))).RootElement;
        return answer.GetProperty("batchItemFailures").EnumerateArray().Select(f => f.GetProperty("itemIdentifier").GetString()!).ToList();
    }

    private async Task<JsonElement> TransformAsync(IEnumerable<string> keys) =>
        JsonDocument.Parse(await env.Transform.InvokeAsync(LambdaEvents.S3Put(keys))).RootElement;

    [Theory]
    [InlineData(LambdaEnvironment.TriggerHandler)]
    [InlineData(LambdaEnvironment.FetchHandler)]
    [InlineData(LambdaEnvironment.TransformHandler)]
    public void Handler_strings_resolve_to_a_stream_method_with_a_public_parameterless_constructor(string handler)
    {
        var invoker = new LambdaRuntimeInvoker(handler);

        Assert.Equal(handler, invoker.Handler);
    }

    [Fact]
    public async Task Aws_sample_events_go_through_the_handlers_without_crashing()
    {
        // "Hello World" is no fetch task: it can never succeed, so it is dropped, not retried.
        var fetch = JsonDocument.Parse(await env.Fetch.InvokeAsync(SharedFixtures.ReadBytes("lambda-events", "kinesis-event.json"))).RootElement;
        Assert.Equal(0, fetch.GetProperty("batchItemFailures").GetArrayLength());

        // HappyFace.jpg and "New File.jpg" are no raw pages: ignored.
        var transform = JsonDocument.Parse(await env.Transform.InvokeAsync(SharedFixtures.ReadBytes("lambda-events", "s3-event.json"))).RootElement;
        Assert.Equal(2, transform.GetProperty("ignored").GetInt32());
        Assert.Equal(0, transform.GetProperty("transformed").GetInt32());

        // As published (a JWT authoriser, no IAM principal, no key configured): refused before the body is looked at.
        var sample = SharedFixtures.ReadBytes("lambda-events", "http-api-v2-request.json");
        Assert.Equal(401, (await TriggerAsync(sample)).Status);

        // Through the IAM route, isBase64Encoded:true with a plain-text body: a 400 naming the body, not a crash.
        var signed = System.Text.Json.Nodes.JsonNode.Parse(SharedFixtures.ReadText("lambda-events", "http-api-v2-request.json"))!;
        signed["requestContext"]!["authorizer"] = LambdaEvents.IamAuthorizer();
        var trigger = await TriggerAsync(Encoding.UTF8.GetBytes(signed.ToJsonString()));
        Assert.Equal(400, trigger.Status);
        Assert.True(trigger.Body.GetProperty("errors").TryGetProperty("body", out _), trigger.Body.ToString());
    }

    [Theory]
    [InlineData("{\"source\":\"nope\"}", "source")]
    [InlineData("{}", "source")]
    [InlineData("{\"source\":\"  \"}", "source")]
    [InlineData("{\"source\":5}", "source")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":0}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":\"lots\"}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":{\"a\":1}}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":null}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"colour\":\"red\"}}", "options.colour")]
    [InlineData("{\"source\":\"synthetic\",\"options\":[1,2]}", "options")]
    [InlineData("{\"source\":\"dummyjson\",\"options\":{\"pageSize\":5000}}", "options.pageSize")]
    [InlineData("{\"source\":", "body")]
    [InlineData("[\"synthetic\"]", "body")]
    [InlineData("null", "body")]
    [InlineData("", "body")]
    public async Task Invalid_bodies_get_400_naming_the_field_like_the_web_api(string body, string field)
    {
        var answer = await TriggerAsync(LambdaEvents.HttpPost(body));

        Assert.Equal(400, answer.Status);
        Assert.Equal("application/problem+json", answer.Headers.GetProperty("content-type").GetString());
        Assert.Equal("The request is invalid.", answer.Body.GetProperty("title").GetString());
        Assert.True(answer.Body.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {answer.Body}");
    }

    [Fact]
    public async Task Too_many_options_and_too_large_bodies_get_400()
    {
        var many = string.Join(",", Enumerable.Range(0, 33).Select(i => $"\"o{i}\":1"));
        var tooMany = await TriggerAsync(LambdaEvents.HttpPost($"{{\"source\":\"synthetic\",\"options\":{{{many}}}}}"));
        var large = await TriggerAsync(LambdaEvents.HttpPost($"{{\"source\":\"synthetic\",\"options\":{{\"x\":\"{new string('a', 70_000)}\"}}}}"));
        var largePlain = await TriggerAsync(LambdaEvents.HttpPostRaw($"{{\"source\":\"synthetic\",\"pad\":\"{new string('a', 70_000)}\"}}"));

        Assert.Equal(400, tooMany.Status);
        Assert.True(tooMany.Body.GetProperty("errors").TryGetProperty("options", out _));
        foreach (var answer in new[] { large, largePlain })
        {
            Assert.Equal(400, answer.Status);
            Assert.Contains("64 KiB", answer.Body.GetProperty("errors").GetProperty("body")[0].GetString());
        }
    }

    [Fact]
    public async Task Wrong_method_and_media_type_are_refused()
    {
        var get = JsonNodeOf(LambdaEvents.HttpPost("{\"source\":\"synthetic\"}"));
        get["requestContext"]!["http"]!["method"] = "GET";
        var text = LambdaEvents.HttpPost("{\"source\":\"synthetic\"}", new Dictionary<string, string> { ["content-type"] = "text/plain" });

        Assert.Equal(405, (await TriggerAsync(Encoding.UTF8.GetBytes(get.ToJsonString()))).Status);
        Assert.Equal(415, (await TriggerAsync(text)).Status);
    }

    private static System.Text.Json.Nodes.JsonNode JsonNodeOf(byte[] bytes) => System.Text.Json.Nodes.JsonNode.Parse(bytes)!;

    [Fact]
    public async Task Synthetic_run_flows_trigger_to_fetch_to_transform_and_redelivery_changes_nothing()
    {
        // Trigger: 250 products in pages of 100 → 3 fetch tasks published before the 202.
        var runId = await StartRunAsync("synthetic", "{\"count\":250,\"pageSize\":100,\"seed\":11}");
        var run = await env.RunAsync(runId);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal(3, run.Stages.TasksPublished);
        Assert.Equal("api", run.Trigger);

        // A second request while it is active: 409 naming the active run.
        var conflict = await TriggerAsync(LambdaEvents.HttpPost("{\"source\":\"synthetic\"}"));
        Assert.Equal(409, conflict.Status);
        Assert.Equal(runId, conflict.Body.GetProperty("runId").GetString());

        // Fetch: one Kinesis batch per shard, as the event source mapping delivers them.
        var byShard = await env.ReadRunRecordsAsync(runId);
        Assert.Equal(3, byShard.Values.Sum(r => r.Count));
        foreach (var batch in byShard.Values)
            Assert.Empty(await FetchAsync(batch));
        run = await env.RunAsync(runId);
        var objects = await env.RawObjectsAsync(run);
        Assert.Equal(3, objects.Count);
        Assert.Equal(3, run.Stages.PagesFetched);
        Assert.Equal(objects.Sum(o => o.Size), run.Stages.RawBytes);

        // Transform: one S3 event with the three (URL-encoded) keys.
        var keys = objects.Select(o => o.Key).ToList();
        Assert.All(keys, k => Assert.Contains("=", k)); // S3 sends '=' as %3D: decoding is exercised
        var summary = await TransformAsync(keys);
        Assert.Equal(3, summary.GetProperty("transformed").GetInt32());

        run = await env.RunAsync(runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        var c = run.Stages;
        Assert.Equal((3, 3, 0, 3, 3), (c.TasksPlanned, c.PagesFetched, c.PagesFailed, c.RawObjects, c.PagesTransformed));
        Assert.Equal(250, c.ProductsParsed);
        Assert.Equal(250, c.ProductsUpserted + c.ProductsUnchanged);
        Assert.Equal(0, c.ProductsRejected);
        var store = env.Service<IProductStore>();
        foreach (var key in keys)
        {
            var raw = await env.Service<IRawZone>().GetAsync(key, CancellationToken.None);
            foreach (var product in JsonDocument.Parse(raw!.Bytes).RootElement.GetProperty("products").EnumerateArray())
                Assert.NotNull(await store.GetAsync($"synthetic:{product.GetProperty("id").GetRawText()}", CancellationToken.None));
        }
        var productCount = await store.CountAsync("synthetic", CancellationToken.None);

        // Re-delivery of every Kinesis batch and of the S3 event: nothing changes.
        foreach (var batch in byShard.Values)
            Assert.Empty(await FetchAsync(batch));
        var again = await TransformAsync(keys);
        Assert.Equal(0, again.GetProperty("transformed").GetInt32());
        Assert.Equal(3, again.GetProperty("alreadyTransformed").GetInt32());
        var after = await env.RunAsync(runId);
        Assert.Equal(run.Stages, after.Stages);
        Assert.Equal(RunStatus.Succeeded, after.Status);
        Assert.Equal(3, (await env.RawObjectsAsync(after)).Count);
        Assert.Equal(productCount, await store.CountAsync("synthetic", CancellationToken.None));
    }

    [Fact]
    public async Task A_record_whose_page_cannot_be_written_is_reported_with_the_rest_of_its_shard_and_succeeds_on_retry()
    {
        // DummyJSON's real catalog (194 products) from the local fixture server: pages of 30 → 7 tasks.
        var runId = await StartRunAsync("dummyjson", "{}");
        var byShard = await env.ReadRunRecordsAsync(runId);
        Assert.Equal(7, byShard.Values.Sum(r => r.Count));

        // A real write failure: a directory stands where page 2's file must go, so the raw zone cannot put it.
        var blocked = byShard.Values.SelectMany(r => r).Single(r => LambdaEnvironment.TaskOf(r).Page == 2);
        var blockedPath = Path.Combine(env.DataDirectory, "rawzone", LambdaEnvironment.TaskOf(blocked).RawKey);
        Directory.CreateDirectory(blockedPath);
        var shard = byShard[blocked.ShardId];
        var expected = shard.SkipWhile(r => r.SequenceNumber != blocked.SequenceNumber).Select(r => r.SequenceNumber).ToList();

        var failures = new List<string>();
        foreach (var batch in byShard.Values) failures.AddRange(await FetchAsync(batch));

        Assert.Equal(expected, failures);
        var run = await env.RunAsync(runId);
        Assert.Equal(RunStatus.Running, run.Status);
        // Records after the failed one may have been handled alongside it (Pipeline:Stream:FetchConcurrency); they are
        // reported for retry all the same, and count once when they come back.
        Assert.InRange(run.Stages.PagesFetched, 7 - expected.Count, 6);

        // The obstacle goes; Lambda retries from the first reported record: everything lands once.
        Directory.Delete(blockedPath);
        Assert.Empty(await FetchAsync(shard.Where(r => expected.Contains(r.SequenceNumber))));
        run = await env.RunAsync(runId);
        var objects = await env.RawObjectsAsync(run);
        Assert.Equal(7, objects.Count);
        Assert.Equal((7, 7, 0), (run.Stages.PagesFetched, run.Stages.RawObjects, run.Stages.PagesFailed));

        Assert.Equal(7, (await TransformAsync(objects.Select(o => o.Key))).GetProperty("transformed").GetInt32());
        run = await env.RunAsync(runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(194, run.Stages.ProductsParsed);
        Assert.Equal(194, run.Stages.ProductsUpserted + run.Stages.ProductsUnchanged + run.Stages.ProductsRejected);
    }

    [Fact]
    public async Task Undecodable_data_is_dropped_not_reported_and_a_failed_transform_throws_after_the_rest()
    {
        var runId = await StartRunAsync("fakestore", "{}");
        var record = Assert.Single((await env.ReadRunRecordsAsync(runId)).Values.SelectMany(r => r));

        // A record whose data is not base64 can never succeed: it is not reported; the valid record is fetched.
        var mixed = LambdaEvents.KinesisRaw(
        [
            (record.ShardId, "1", "poison", "%%% not base64 %%%"),
            (record.ShardId, record.SequenceNumber, record.PartitionKey, Convert.ToBase64String(record.Data.Span)),
        ]);
        var answer = JsonDocument.Parse(await env.Fetch.InvokeAsync(mixed)).RootElement;
        Assert.Equal(0, answer.GetProperty("batchItemFailures").GetArrayLength());
        var run = await env.RunAsync(runId);
        Assert.Equal(1, run.Stages.PagesFetched);

        // One key of the event is missing from the raw zone: the other is still transformed, then the function throws.
        var present = LambdaEnvironment.TaskOf(record).RawKey;
        var missing = present.Replace("page-000001", "page-000002", StringComparison.Ordinal);
        var thrown = await Assert.ThrowsAsync<AggregateException>(() => env.Transform.InvokeAsync(LambdaEvents.S3Put([missing, present])));
        var inner = Assert.Single(thrown.InnerExceptions);
        Assert.Contains(missing, inner.Message);

        run = await env.RunAsync(runId);
        Assert.Equal(1, run.Stages.PagesTransformed);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(20, run.Stages.ProductsUpserted + run.Stages.ProductsUnchanged);
    }

    [Fact]
    public async Task A_replay_task_goes_through_the_fetch_function_straight_to_the_transform_with_no_call_to_the_source()
    {
        // A live run through the three functions.
        var runId = await StartRunAsync("dummyjson", "{}");
        foreach (var batch in (await env.ReadRunRecordsAsync(runId)).Values) Assert.Empty(await FetchAsync(batch));
        var live = await env.RunAsync(runId);
        var liveKeys = (await env.RawObjectsAsync(live)).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        await TransformAsync(liveKeys);
        live = await env.RunAsync(runId);
        Assert.Equal(RunStatus.Succeeded, live.Status);

        // The control plane records the replay and publishes its tasks (as the Web app's planner does).
        var hits = env.Catalog.TotalHits;
        var created = await env.Service<Pipeline.Core.Stages.ReplayHandler>().CreateRunAsync(
            new Pipeline.Core.Stages.StartReplayRequest("dummyjson", RunId: runId), CancellationToken.None);
        Assert.True(created.Created);
        await env.Service<Pipeline.Core.Stages.TriggerHandler>().PlanAndPublishAsync(created.Run.RunId, CancellationToken.None);
        var byShard = await env.ReadRunRecordsAsync(created.Run.RunId);
        var tasks = byShard.Values.SelectMany(r => r).Select(LambdaEnvironment.TaskOf).ToList();
        Assert.Equal(liveKeys, tasks.Select(t => t.ReplayKey!).Order(StringComparer.Ordinal));
        // One partition key per page, so the stream's hash spreads the pages over the shards (which shard is up to the hash).
        var partitionKeys = byShard.Values.SelectMany(r => r).Select(r => r.PartitionKey).ToList();
        var expectedKeys = liveKeys.Select(key =>
        {
            Assert.True(RawKeys.TryParse(key, out _, out _, out _, out var page));
            return $"{created.Run.RunId}/{runId}/{page}";
        });
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), partitionKeys.Order(StringComparer.Ordinal));
        Assert.Equal(partitionKeys.Count, partitionKeys.Distinct().Count());

        // The fetch function hands each to the transform: the run counts pages read, none fetched, and the source saw nothing.
        foreach (var batch in byShard.Values) Assert.Empty(await FetchAsync(batch));
        var replay = await env.RunAsync(created.Run.RunId);
        Assert.Equal((RunStatus.Succeeded, "replay", 7L, 0L, 7L, 0L, 194L), (replay.Status, replay.Trigger, replay.Stages.PagesRead,
            replay.Stages.PagesFetched, replay.Stages.PagesTransformed, replay.Stages.ProductsUpserted, replay.Stages.ProductsUnchanged));
        Assert.Equal(live.Stages.RawBytes, replay.Stages.BytesRead);
        Assert.Equal(hits, env.Catalog.TotalHits);

        // Delivered again (at-least-once): nothing more is counted.
        foreach (var batch in byShard.Values) Assert.Empty(await FetchAsync(batch));
        Assert.Equal(replay.Stages, (await env.RunAsync(created.Run.RunId)).Stages);
    }
}
