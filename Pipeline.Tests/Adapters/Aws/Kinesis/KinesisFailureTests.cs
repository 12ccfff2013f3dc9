using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Core.Ports;
using Pipeline.Tests.Adapters.Aws.Kinesis.Support;

namespace Pipeline.Tests.Adapters.Aws.Kinesis;

/// <summary>
/// Failure paths: a local test server sits in front of kinesalite, answers selected calls with Kinesis errors (or
/// changes kinesalite's answers) and forwards everything else.
/// </summary>
public sealed class KinesisFailureTests(KinesaliteFixture fixture) : IClassFixture<KinesaliteFixture>, IDisposable
{
    private const string Throttled = "ProvisionedThroughputExceededException";

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task A_throttled_PutRecords_entry_is_retried_alone()
    {
        const int failingIndex = 3;
        var putCalls = 0;
        await using var server = new KinesisTestServer(fixture.Url, async (call, self) =>
        {
            if (call.Operation != "PutRecords" || Interlocked.Increment(ref putCalls) != 1) return null;
            // Forward all but one entry to kinesalite, then report that entry as throttled in its place.
            var request = call.Json;
            request["Records"]!.AsArray().RemoveAt(failingIndex);
            var forwarded = await self.ForwardAsync(call, request.ToJsonString());
            var response = JsonNode.Parse(forwarded.Body)!.AsObject();
            response["Records"]!.AsArray().Insert(failingIndex, new JsonObject
            {
                ["ErrorCode"] = Throttled,
                ["ErrorMessage"] = "Rate exceeded for shard shardId-000000000000 in stream under account 000000000000.",
            });
            response["FailedRecordCount"] = 1;
            return new ServerAnswer(200, response.ToJsonString());
        });
        await using var kinesis = await NewStreamAsync("partial", shards: 2, server.Url);
        var records = Enumerable.Range(0, 10).Select(i => new StreamRecord($"key-{i}", Encoding.UTF8.GetBytes($"data-{i}"))).ToList();

        await kinesis.Stream.PublishAsync(records, Ct);

        var puts = server.CallsOf("PutRecords").Select(c => c.Json["Records"]!.AsArray()).ToList();
        Assert.Equal(2, puts.Count);
        Assert.Equal(10, puts[0].Count);
        var resent = Assert.Single(puts[1]);
        Assert.Equal("key-3", (string?)resent!["PartitionKey"]);
        Assert.Equal(Convert.ToBase64String("data-3"u8), (string?)resent["Data"]);
        var stored = await ReadAllAsync(kinesis.Stream);
        Assert.Equal(records.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order(), stored.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order());
    }

    [Fact]
    public async Task An_entry_that_keeps_failing_ends_the_publish_with_a_clear_error_after_the_allowed_attempts()
    {
        await using var server = new KinesisTestServer(fixture.Url, async (call, self) =>
        {
            if (call.Operation != "PutRecords") return null;
            var request = call.Json;
            var entries = request["Records"]!.AsArray();
            var poisoned = entries.Select((e, i) => (e, i)).Where(p => (string?)p.e!["PartitionKey"] == "poison").Select(p => p.i).ToList();
            foreach (var index in Enumerable.Reverse(poisoned)) entries.RemoveAt(index);
            var response = entries.Count == 0
                ? new JsonObject { ["FailedRecordCount"] = 0, ["Records"] = new JsonArray() }
                : JsonNode.Parse((await self.ForwardAsync(call, request.ToJsonString())).Body)!.AsObject();
            foreach (var index in poisoned)
                response["Records"]!.AsArray().Insert(index, new JsonObject { ["ErrorCode"] = "InternalFailure", ["ErrorMessage"] = "Internal service failure." });
            response["FailedRecordCount"] = poisoned.Count;
            return new ServerAnswer(200, response.ToJsonString());
        });
        await using var kinesis = await NewStreamAsync("poison", shards: 1, server.Url);

        var error = await Assert.ThrowsAsync<KinesisPublishException>(() => kinesis.Stream.PublishAsync(
            [new StreamRecord("ok-1", "a"u8.ToArray()), new StreamRecord("poison", "b"u8.ToArray()), new StreamRecord("ok-2", "c"u8.ToArray())], Ct));

        Assert.Equal(1, error.FailedCount);
        Assert.Equal(kinesis.Options.MaxAttempts, error.Attempts);
        Assert.Equal("InternalFailure", error.ErrorCode);
        Assert.Contains(kinesis.Options.StreamName, error.Message, StringComparison.Ordinal);
        var puts = server.CallsOf("PutRecords").Select(c => c.Json["Records"]!.AsArray().Count).ToList();
        Assert.Equal([3, 1, 1, 1, 1], puts);
        Assert.Equal(["ok-1", "ok-2"], (await ReadAllAsync(kinesis.Stream)).Select(r => r.PartitionKey).Order());
    }

    [Theory]
    [InlineData(400, Throttled)]
    [InlineData(500, "InternalFailureException")]
    [InlineData(503, "ServiceUnavailableException")]
    public async Task A_failed_PutRecords_call_is_retried_whole(int status, string errorType)
    {
        var putCalls = 0;
        await using var server = new KinesisTestServer(fixture.Url, (call, _) => Task.FromResult(
            call.Operation == "PutRecords" && Interlocked.Increment(ref putCalls) == 1
                ? ServerAnswer.Error(status, errorType, "try again")
                : null));
        await using var kinesis = await NewStreamAsync("whole", shards: 1, server.Url);

        await kinesis.Stream.PublishAsync([new StreamRecord("a", "1"u8.ToArray()), new StreamRecord("b", "2"u8.ToArray())], Ct);

        Assert.Equal([2, 2], server.CallsOf("PutRecords").Select(c => c.Json["Records"]!.AsArray().Count));
        Assert.Equal(2, (await ReadAllAsync(kinesis.Stream)).Count);
    }

    [Fact]
    public async Task An_expired_iterator_is_replaced_by_one_after_the_last_record_returned()
    {
        var getRecordsCalls = 0;
        await using var server = new KinesisTestServer(fixture.Url, (call, _) => Task.FromResult(
            call.Operation == "GetRecords" && Interlocked.Increment(ref getRecordsCalls) == 2
                ? ServerAnswer.Error(400, "ExpiredIteratorException", "Iterator expired. The iterator was created at time ...")
                : null));
        await using var kinesis = await NewStreamAsync("expired", shards: 1, server.Url);
        var published = Enumerable.Range(0, 10).Select(i => new StreamRecord("k", Encoding.UTF8.GetBytes($"r{i}"))).ToList();
        await kinesis.Stream.PublishAsync(published, Ct);
        var shardId = Assert.Single(await kinesis.Stream.ListShardsAsync(Ct));
        var reader = kinesis.Stream.OpenShard(shardId, null);

        var first = await reader.ReadAsync(3, Ct);
        var second = await reader.ReadAsync(3, Ct); // the server answers ExpiredIteratorException once here
        var rest = await reader.ReadAsync(100, Ct);

        Assert.Equal(["r0", "r1", "r2"], first.Records.Select(Text));
        Assert.Equal(["r3", "r4", "r5"], second.Records.Select(Text));
        Assert.Equal(["r6", "r7", "r8", "r9"], rest.Records.Select(Text));
        var iterators = server.CallsOf("GetShardIterator").Select(c => c.Json).ToList();
        Assert.Equal(2, iterators.Count);
        Assert.Equal("TRIM_HORIZON", (string?)iterators[0]["ShardIteratorType"]);
        Assert.Equal("AFTER_SEQUENCE_NUMBER", (string?)iterators[1]["ShardIteratorType"]);
        Assert.Equal(first.Records[^1].SequenceNumber, (string?)iterators[1]["StartingSequenceNumber"]);
        Assert.Equal(4, server.CallsOf("GetRecords").Count());
    }

    [Fact]
    public async Task A_throttled_read_backs_off_and_retries_with_the_same_iterator()
    {
        var getRecordsCalls = 0;
        await using var server = new KinesisTestServer(fixture.Url, (call, _) => Task.FromResult(
            call.Operation == "GetRecords" && Interlocked.Increment(ref getRecordsCalls) == 1
                ? ServerAnswer.Error(400, Throttled, "Rate exceeded for shard")
                : null));
        await using var kinesis = await NewStreamAsync("throttledread", shards: 1, server.Url);
        await kinesis.Stream.PublishAsync([new StreamRecord("k", "x"u8.ToArray())], Ct);
        var shardId = Assert.Single(await kinesis.Stream.ListShardsAsync(Ct));

        var result = await kinesis.Stream.OpenShard(shardId, null).ReadAsync(10, Ct);

        Assert.Equal(["x"], result.Records.Select(Text));
        var reads = server.CallsOf("GetRecords").Select(c => (string?)c.Json["ShardIterator"]).ToList();
        Assert.Equal(2, reads.Count);
        Assert.Equal(reads[0], reads[1]);
        Assert.Single(server.CallsOf("GetShardIterator"));
    }

    [Fact]
    public async Task A_non_retryable_read_error_surfaces_at_once()
    {
        await using var server = new KinesisTestServer(fixture.Url, (call, _) => Task.FromResult(
            call.Operation == "GetRecords" ? ServerAnswer.Error(400, "AccessDeniedException", "not allowed") : null));
        await using var kinesis = await NewStreamAsync("denied", shards: 1, server.Url);
        var shardId = Assert.Single(await kinesis.Stream.ListShardsAsync(Ct));

        var error = await Assert.ThrowsAsync<KinesisException>(() => kinesis.Stream.OpenShard(shardId, null).ReadAsync(10, Ct));

        Assert.Equal("AccessDeniedException", error.ErrorType);
        Assert.Equal("GetRecords", error.Operation);
        Assert.Single(server.CallsOf("GetRecords"));
    }

    [Fact]
    public async Task ListShards_follows_NextToken_pages_without_resending_the_stream_name()
    {
        await using var server = new KinesisTestServer(fixture.Url, async (call, self) =>
        {
            if (call.Operation != "ListShards") return null;
            // kinesalite ignores MaxResults; page its full answer here. The token carries the stream name and offset.
            var request = call.Json;
            var token = (string?)request["NextToken"];
            if (token is not null && request.ContainsKey("StreamName"))
                return ServerAnswer.Error(400, "InvalidArgumentException", "NextToken and StreamName cannot be provided together.");
            var (stream, offset) = token is null
                ? ((string)request["StreamName"]!, 0)
                : (Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|')[0],
                   int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|')[1]));
            var all = JsonNode.Parse((await self.ForwardAsync(call, new JsonObject { ["StreamName"] = stream }.ToJsonString())).Body)!["Shards"]!.AsArray();
            var size = (int?)request["MaxResults"] ?? 1000;
            var page = new JsonArray(all.Skip(offset).Take(size).Select(s => s!.DeepClone()).ToArray());
            var answer = new JsonObject { ["Shards"] = page };
            if (offset + size < all.Count) answer["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stream}|{offset + size}"));
            return new ServerAnswer(200, answer.ToJsonString());
        });
        var options = fixture.Options(KinesaliteFixture.UniqueStreamName("paging"), shardCount: 7, server.Url);
        options.ListShardsPageSize = 3;
        await using var kinesis = fixture.Harness(options);
        await kinesis.Stream.EnsureCreatedAsync(Ct);

        var shards = await kinesis.Stream.ListShardsAsync(Ct);

        var calls = server.CallsOf("ListShards").Select(c => c.Json).ToList();
        Assert.Equal(3, calls.Count);
        Assert.Equal(options.StreamName, (string?)calls[0]["StreamName"]);
        Assert.False(calls[0].ContainsKey("NextToken"));
        Assert.All(calls, c => Assert.Equal(3, (int?)c["MaxResults"]));
        Assert.All(calls.Skip(1), c =>
        {
            Assert.False(c.ContainsKey("StreamName"));
            Assert.True(c.ContainsKey("NextToken"));
        });
        var everything = await kinesis.Client.ListShardsAsync(new ListShardsRequest { StreamName = options.StreamName }, Ct);
        Assert.Null(everything.NextToken);
        Assert.Equal(7, everything.Shards.Count);
        Assert.Equal(everything.Shards.Select(s => s.ShardId), shards);
    }

    [Theory]
    [InlineData(400, "{\"__type\":\"com.amazonaws.kinesis.v20131202#ResourceNotFoundException\",\"Message\":\"Stream x not found.\"}", null, "ResourceNotFoundException", "Stream x not found.", false)]
    [InlineData(400, "{\"__type\":\"LimitExceededException\",\"message\":\"Rate exceeded\"}", null, "LimitExceededException", "Rate exceeded", true)]
    [InlineData(400, "{\"__type\":\"KMSThrottlingException\",\"message\":\"slow down\"}", null, "KMSThrottlingException", "slow down", true)]
    [InlineData(400, "{\"__type\":\"ValidationException\",\"message\":\"bad\"}", null, "ValidationException", "bad", false)]
    [InlineData(503, "<html>busy</html>", "ServiceUnavailableException:http://internal.amazon.com/coral/", "ServiceUnavailableException", null, true)]
    [InlineData(502, "", null, "Http502", null, true)]
    public async Task Error_answers_become_typed_exceptions(
        int status, string body, string? errorTypeHeader, string expectedType, string? expectedMessage, bool retryable)
    {
        await using var server = new KinesisTestServer(fixture.Url, (call, _) => Task.FromResult<ServerAnswer?>(
            new ServerAnswer(status, body, errorTypeHeader is null ? null : new Dictionary<string, string> { ["x-amzn-ErrorType"] = errorTypeHeader })));
        await using var kinesis = fixture.Harness(fixture.Options(KinesaliteFixture.UniqueStreamName("errors"), 1, server.Url));

        var error = await Assert.ThrowsAsync<KinesisException>(() =>
            kinesis.Client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = "x" }, Ct));

        Assert.Equal(expectedType, error.ErrorType);
        Assert.Equal(expectedMessage, error.ErrorMessage);
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(retryable, error.IsRetryable);
        Assert.Contains("DescribeStreamSummary", error.Message, StringComparison.Ordinal);
    }

    private async Task<KinesisHarness> NewStreamAsync(string prefix, int shards, Uri serviceUrl)
    {
        var harness = fixture.Harness(fixture.Options(KinesaliteFixture.UniqueStreamName(prefix), shards, serviceUrl));
        await harness.Stream.EnsureCreatedAsync(Ct);
        return harness;
    }

    private async Task<List<ReceivedRecord>> ReadAllAsync(IEventStream stream)
    {
        var all = new List<ReceivedRecord>();
        foreach (var shardId in await stream.ListShardsAsync(Ct))
        {
            var reader = stream.OpenShard(shardId, null);
            for (var result = await reader.ReadAsync(1000, Ct); result.Records.Count > 0; result = await reader.ReadAsync(1000, Ct))
                all.AddRange(result.Records);
        }
        return all;
    }

    private static string Text(ReceivedRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    public void Dispose() => _timeout.Dispose();
}
