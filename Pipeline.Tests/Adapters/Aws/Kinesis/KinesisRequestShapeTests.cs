using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Core.Ports;
using Pipeline.Tests.Adapters.Aws.Kinesis.Support;

namespace Pipeline.Tests.Adapters.Aws.Kinesis;

/// <summary>
/// Every request shape the client sends, checked against service-2.json. (The checking handler also runs under every
/// other Kinesis test; here each operation and each iterator type is sent at least once on purpose.)
/// </summary>
public sealed class KinesisRequestShapeTests(KinesaliteFixture fixture) : IClassFixture<KinesaliteFixture>, IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task Every_operation_and_iterator_type_sends_a_request_the_service_model_accepts()
    {
        // kinesalite never issues a NextToken and crashes (whole process) on a ListShards call that carries one, so
        // this test server answers that call itself; everything else goes through to kinesalite.
        await using var server = new KinesisTestServer(fixture.Url, (call, _) => Task.FromResult(
            call.Operation == "ListShards" && call.Json.ContainsKey("NextToken") ? new ServerAnswer(200, "{\"Shards\":[]}") : null));
        await using var kinesis = fixture.Harness(fixture.Options(KinesaliteFixture.UniqueStreamName("shapes"), shardCount: 2, server.Url));
        var client = kinesis.Client;
        var stream = kinesis.Options.StreamName;

        await kinesis.Stream.EnsureCreatedAsync(Ct); // DescribeStreamSummary, CreateStream, DescribeStreamSummary
        await kinesis.Stream.PublishAsync([new StreamRecord("k", "one"u8.ToArray()), new StreamRecord("k", "two"u8.ToArray())], Ct);
        var records = new List<ReceivedRecord>();
        foreach (var id in await kinesis.Stream.ListShardsAsync(Ct))
            records.AddRange((await kinesis.Stream.OpenShard(id, null).ReadAsync(10, Ct)).Records);
        var one = records.Single(r => Encoding.UTF8.GetString(r.Data.Span) == "one");

        var at = await client.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamName = stream, ShardId = one.ShardId, ShardIteratorType = ShardIteratorType.AtSequenceNumber, StartingSequenceNumber = one.SequenceNumber,
        }, Ct);
        var atRecords = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = at.ShardIterator!, Limit = 1 }, Ct);
        var latest = await client.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamName = stream, ShardId = one.ShardId, ShardIteratorType = ShardIteratorType.Latest,
        }, Ct);
        var latestRecords = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = latest.ShardIterator! }, Ct);
        var afterRecords = await kinesis.Stream.OpenShard(one.ShardId, one.SequenceNumber).ReadAsync(10, Ct);
        var tokenPage = await client.ListShardsAsync(new ListShardsRequest { NextToken = "opaque-token", MaxResults = 2 }, Ct);
        await client.DeleteStreamAsync(new DeleteStreamRequest { StreamName = stream }, Ct);

        Assert.Equal("one", Encoding.UTF8.GetString(Assert.Single(atRecords.Records).Data.Span));
        Assert.Empty(latestRecords.Records);
        Assert.Equal("two", Encoding.UTF8.GetString(Assert.Single(afterRecords.Records).Data.Span));
        Assert.Empty(tokenPage.Shards);

        var sent = kinesis.Requests.Sent;
        Assert.All(sent, s => Assert.Empty(s.Problems));
        Assert.Equal(
            ["CreateStream", "DeleteStream", "DescribeStreamSummary", "GetRecords", "GetShardIterator", "ListShards", "PutRecords"],
            sent.Select(s => s.Operation).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(
            ["AFTER_SEQUENCE_NUMBER", "AT_SEQUENCE_NUMBER", "LATEST", "TRIM_HORIZON"],
            sent.Where(s => s.Operation == "GetShardIterator")
                .Select(s => (string)JsonNode.Parse(s.Body)!["ShardIteratorType"]!).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(sent, s => s.Operation == "ListShards" && JsonNode.Parse(s.Body)!.AsObject() is var o
            && o.ContainsKey("NextToken") && !o.ContainsKey("StreamName"));
    }

    [Fact]
    public void The_model_check_rejects_what_the_service_would_reject()
    {
        var model = KinesisServiceModel.Instance;

        var putProblems = model.Validate("PutRecords",
            """{"StreamName":"has space","Bogus":1,"Records":[{"PartitionKey":"","Data":"%%not-base64%%"}]}"""u8);
        var getProblems = model.Validate("GetRecords", """{"Limit":"10"}"""u8);
        var iteratorProblems = model.Validate("GetShardIterator", """{"ShardId":"s","ShardIteratorType":"OLDEST","StartingSequenceNumber":"01"}"""u8);

        Assert.Contains(putProblems, p => p.Contains("Bogus: no such member", StringComparison.Ordinal));
        Assert.Contains(putProblems, p => p.Contains("StreamName pattern", StringComparison.Ordinal));
        Assert.Contains(putProblems, p => p.Contains("PartitionKey: length 0 is below", StringComparison.Ordinal));
        Assert.Contains(putProblems, p => p.Contains("Data: Data is not base64", StringComparison.Ordinal));
        Assert.Contains(getProblems, p => p.Contains("required member ShardIterator", StringComparison.Ordinal));
        Assert.Contains(getProblems, p => p.Contains("Limit: GetRecordsInputLimit must be a JSON Number", StringComparison.Ordinal));
        Assert.Contains(iteratorProblems, p => p.Contains("'OLDEST' is not one of", StringComparison.Ordinal));
        Assert.Contains(iteratorProblems, p => p.Contains("SequenceNumber pattern", StringComparison.Ordinal));
        Assert.Contains("not in the service model", Assert.Single(model.Validate("PutEverything", "{}"u8)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_refuses_requests_the_API_forbids_before_sending_them()
    {
        await using var kinesis = fixture.Harness(fixture.Options(KinesaliteFixture.UniqueStreamName("guards"), shardCount: 1));

        await Assert.ThrowsAsync<ArgumentException>(() => kinesis.Client.ListShardsAsync(
            new ListShardsRequest { StreamName = kinesis.Options.StreamName, NextToken = "t" }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => kinesis.Client.GetShardIteratorAsync(
            new GetShardIteratorRequest { StreamName = "s", ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.AfterSequenceNumber }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => kinesis.Client.GetShardIteratorAsync(
            new GetShardIteratorRequest { StreamName = "s", ShardId = "shardId-000000000000", ShardIteratorType = ShardIteratorType.TrimHorizon, StartingSequenceNumber = "1" }, Ct));

        Assert.Empty(kinesis.Requests.Sent);
    }

    public void Dispose() => _timeout.Dispose();
}
