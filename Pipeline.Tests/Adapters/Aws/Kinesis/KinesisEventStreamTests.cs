using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Adapters.Aws.Signing;
using Pipeline.Core.Ports;
using Pipeline.Tests.Adapters.Aws.Kinesis.Support;

namespace Pipeline.Tests.Adapters.Aws.Kinesis;

/// <summary>The Kinesis adapter against kinesalite: batching, limits, checkpoints, shard listing, closed shards.</summary>
public sealed class KinesisEventStreamTests(KinesaliteFixture fixture) : IClassFixture<KinesaliteFixture>, IAsyncLifetime
{
    private readonly List<KinesisHarness> _harnesses = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task Publishes_1200_records_in_500_record_requests_and_reads_them_back_byte_identical_across_shards()
    {
        var kinesis = await NewStreamAsync("publish", shards: 4);
        var random = new Random(7);
        var published = Enumerable.Range(0, 1200).Select(i =>
        {
            var data = new byte[random.Next(1, 600)];
            random.NextBytes(data);
            return new StreamRecord($"product-{i % 97}", data);
        }).ToList();

        await kinesis.Stream.PublishAsync(published, Ct);
        var received = await ReadAllAsync(kinesis.Stream);

        Assert.Equal([500, 500, 200], kinesis.Requests.SentOf("PutRecords").Select(RecordCount));
        Assert.Equal(4, received.Select(r => r.ShardId).Distinct().Count());
        Assert.Equal(Fingerprints(published), received.Select(r => Fingerprint(r.PartitionKey, r.Data)).Order().ToList());
    }

    [Fact]
    public async Task Splits_requests_at_5_MiB_and_accepts_a_record_of_exactly_1_MiB()
    {
        var kinesis = await NewStreamAsync("fivemib", shards: 2);
        var records = Enumerable.Range(0, 6).Select(i => new StreamRecord($"big-{i}", Filled(900 * 1024, (byte)i))).ToList();
        var exact = new StreamRecord("exact", Filled(PutRecordsBatches.MaxRecordBytes - "exact".Length, 0xAB));
        records.Add(exact);

        await kinesis.Stream.PublishAsync(records, Ct);
        var received = await ReadAllAsync(kinesis.Stream);

        // 5 × 900 KiB (+ keys) fit in 5 MiB, a 6th does not: it opens the second request, which the 1 MiB record joins.
        Assert.Equal([5, 2], kinesis.Requests.SentOf("PutRecords").Select(RecordCount));
        Assert.Equal(Fingerprints(records), received.Select(r => Fingerprint(r.PartitionKey, r.Data)).Order().ToList());
    }

    [Fact]
    public async Task A_record_over_1_MiB_is_rejected_before_anything_is_sent()
    {
        var kinesis = await NewStreamAsync("oversized", shards: 1);
        var records = new List<StreamRecord>
        {
            new("small", "fine"u8.ToArray()),
            new("too-big-key", new byte[PutRecordsBatches.MaxRecordBytes - "too-big-key".Length + 1]),
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => kinesis.Stream.PublishAsync(records, Ct));

        Assert.Contains("'too-big-key'", error.Message, StringComparison.Ordinal);
        Assert.Contains("1,048,577 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 MiB", error.Message, StringComparison.Ordinal);
        Assert.Empty(kinesis.Requests.SentOf("PutRecords"));
        Assert.Empty(await ReadAllAsync(kinesis.Stream));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public async Task A_partition_key_outside_1_to_256_characters_is_rejected(int length)
    {
        var kinesis = await NewStreamAsync("badkey", shards: 1);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            kinesis.Stream.PublishAsync([new StreamRecord(new string('k', length), new byte[] { 1 })], Ct));

        Assert.Contains($"it has {length}", error.Message, StringComparison.Ordinal);
        Assert.Empty(kinesis.Requests.SentOf("PutRecords"));
    }

    [Fact]
    public async Task A_new_adapter_resumes_after_a_checkpoint()
    {
        var first = await NewStreamAsync("resume", shards: 1);
        var published = Enumerable.Range(0, 20).Select(i => new StreamRecord("k", Encoding.UTF8.GetBytes($"r{i:D2}"))).ToList();
        await first.Stream.PublishAsync(published, Ct);
        var shardId = Assert.Single(await first.Stream.ListShardsAsync(Ct));
        var batch = await first.Stream.OpenShard(shardId, null).ReadAsync(8, Ct);
        var checkpoint = batch.Records[^1].SequenceNumber;

        // A restart: a new client and adapter that only know the stored checkpoint.
        var restarted = Track(fixture.Harness(first.Options));
        var rest = new List<ReceivedRecord>();
        var reader = restarted.Stream.OpenShard(shardId, checkpoint);
        for (var result = await reader.ReadAsync(100, Ct); result.Records.Count > 0; result = await reader.ReadAsync(100, Ct))
            rest.AddRange(result.Records);

        Assert.Equal(published.Skip(8).Select(r => Encoding.UTF8.GetString(r.Data.Span)), rest.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        Assert.All(rest, r => Assert.InRange(r.ArrivalTime, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1)));
        var iterator = Assert.Single(restarted.Requests.SentOf("GetShardIterator"));
        var request = JsonNode.Parse(iterator.Body)!;
        Assert.Equal("AFTER_SEQUENCE_NUMBER", (string?)request["ShardIteratorType"]);
        Assert.Equal(checkpoint, (string?)request["StartingSequenceNumber"]);
    }

    [Fact]
    public async Task Lists_every_shard_of_a_stream_with_more_shards_than_a_page()
    {
        var options = fixture.Options(KinesaliteFixture.UniqueStreamName("listing"), shardCount: 7);
        options.ListShardsPageSize = 3;
        var kinesis = Track(fixture.Harness(options));
        await kinesis.Stream.EnsureCreatedAsync(Ct);

        var shards = await kinesis.Stream.ListShardsAsync(Ct);

        Assert.Equal(7, shards.Count);
        Assert.Equal(7, shards.Distinct().Count());
        var listCall = JsonNode.Parse(kinesis.Requests.SentOf("ListShards").First().Body)!;
        Assert.Equal(3, (int?)listCall["MaxResults"]);
    }

    [Fact]
    public async Task A_split_parent_shard_reports_closed_after_its_last_record()
    {
        var kinesis = await NewStreamAsync("closed", shards: 1);
        await kinesis.Stream.PublishAsync([new StreamRecord("a", "before-1"u8.ToArray()), new StreamRecord("b", "before-2"u8.ToArray())], Ct);
        var parent = Assert.Single(await kinesis.Stream.ListShardsAsync(Ct));
        await SplitShardAsync(kinesis.Options, parent, newStartingHashKey: "170141183460469231731687303715884105728");
        await kinesis.Client.WaitForStreamActiveAsync(kinesis.Options.StreamName, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), Ct);
        await kinesis.Stream.PublishAsync([new StreamRecord("a", "after"u8.ToArray())], Ct);

        var reader = kinesis.Stream.OpenShard(parent, null);
        var first = await reader.ReadAsync(100, Ct);
        var next = first.ShardClosed ? first : await reader.ReadAsync(100, Ct);

        Assert.Equal(["before-1", "before-2"], first.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order());
        Assert.True(next.ShardClosed);
        Assert.Empty((await reader.ReadAsync(100, Ct)).Records);
        Assert.Equal(3, (await kinesis.Stream.ListShardsAsync(Ct)).Count);
        var all = await ReadAllAsync(kinesis.Stream);
        Assert.Contains(all, r => r.ShardId != parent && Encoding.UTF8.GetString(r.Data.Span) == "after");
    }

    [Fact]
    public async Task A_missing_stream_is_an_error_unless_creation_is_allowed()
    {
        var options = fixture.Options(KinesaliteFixture.UniqueStreamName("missing"), shardCount: 1);
        options.CreateIfMissing = false;
        var kinesis = Track(fixture.Harness(options));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => kinesis.Stream.EnsureCreatedAsync(Ct));

        Assert.Contains(options.StreamName, error.Message, StringComparison.Ordinal);
        Assert.Contains("CreateIfMissing", error.Message, StringComparison.Ordinal);
        var notFound = Assert.IsType<KinesisException>(error.InnerException);
        Assert.Equal("ResourceNotFoundException", notFound.ErrorType);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, notFound.StatusCode);
        Assert.False(notFound.IsRetryable);
        Assert.Empty(kinesis.Requests.SentOf("CreateStream"));
    }

    [Fact]
    public async Task Creates_a_missing_stream_with_the_configured_shards_once()
    {
        var kinesis = await NewStreamAsync("create", shards: 3);

        await kinesis.Stream.EnsureCreatedAsync(Ct);
        var summary = (await kinesis.Client.DescribeStreamSummaryAsync(
            new DescribeStreamSummaryRequest { StreamName = kinesis.Options.StreamName }, Ct)).StreamDescriptionSummary;

        Assert.Equal("ACTIVE", summary.StreamStatus);
        Assert.Equal(3, summary.OpenShardCount);
        Assert.NotNull(summary.StreamCreationTimestamp);
        Assert.Single(kinesis.Requests.SentOf("CreateStream"));
    }

    private async Task<KinesisHarness> NewStreamAsync(string prefix, int shards)
    {
        var harness = Track(fixture.Harness(fixture.Options(KinesaliteFixture.UniqueStreamName(prefix), shards)));
        await harness.Stream.EnsureCreatedAsync(Ct);
        return harness;
    }

    private KinesisHarness Track(KinesisHarness harness)
    {
        _harnesses.Add(harness);
        return harness;
    }

    private async Task<List<ReceivedRecord>> ReadAllAsync(IEventStream stream)
    {
        var all = new List<ReceivedRecord>();
        foreach (var shardId in await stream.ListShardsAsync(Ct))
        {
            var reader = stream.OpenShard(shardId, null);
            for (var reads = 0; reads < 1000; reads++)
            {
                var result = await reader.ReadAsync(1000, Ct);
                all.AddRange(result.Records);
                if (result.Records.Count == 0 || result.ShardClosed) break;
            }
        }
        return all;
    }

    /// <summary>Sends SplitShard (not part of the adapter) straight to kinesalite, signed like the client does.</summary>
    private async Task SplitShardAsync(KinesisStreamOptions options, string shardId, string newStartingHashKey)
    {
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["StreamName"] = options.StreamName,
            ["ShardToSplit"] = shardId,
            ["NewStartingHashKey"] = newStartingHashKey,
        }.ToJsonString());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, options.ServiceUrl);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new(KinesisClient.JsonContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisClient.TargetPrefix + ".SplitShard");
        new SigV4Signer().Sign(request, body, KinesaliteFixture.Credentials,
            new SigV4SigningParameters { Region = options.Region, Service = KinesisClient.SigningName, Timestamp = DateTimeOffset.UtcNow });
        using var response = await http.SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, "SplitShard failed: " + await response.Content.ReadAsStringAsync(Ct));
    }

    private static int RecordCount(SentRequest request) => JsonNode.Parse(request.Body)!["Records"]!.AsArray().Count;

    private static byte[] Filled(int length, byte value)
    {
        var data = new byte[length];
        Array.Fill(data, value);
        return data;
    }

    private static string Fingerprint(string key, ReadOnlyMemory<byte> data) =>
        key + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data.Span));

    private static List<string> Fingerprints(IEnumerable<StreamRecord> records) =>
        records.Select(r => Fingerprint(r.PartitionKey, r.Data)).Order().ToList();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var harness in _harnesses) await harness.DisposeAsync();
        _timeout.Dispose();
    }
}
