using System.Text;
using System.Text.Json;
using Pipeline.Lambdas.Events;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>The event types read AWS's own sample events (aws-lambda-dotnet's test events, SAM CLI's templates) as they are.</summary>
public sealed class AwsSampleEventTests
{
    private static async Task<ReadOnlyMemory<byte>> ReadFixtureAsync(params string[] path)
    {
        await using var file = File.OpenRead(SharedFixtures.PathOf(["lambda-events", .. path]));
        return await LambdaPayload.ReadAsync(file, CancellationToken.None);
    }

    [Fact]
    public void The_samples_start_with_a_BOM_that_a_raw_reader_rejects()
    {
        var bytes = SharedFixtures.ReadBytes("lambda-events", "kinesis-event.json");

        Assert.True(bytes.AsSpan().StartsWith("\uFEFF"u8));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(bytes, LambdaJsonContext.Default.KinesisEvent));
        Assert.NotNull(JsonSerializer.Deserialize(LambdaPayload.WithoutBom(bytes).Span, LambdaJsonContext.Default.KinesisEvent));
    }

    [Fact]
    public async Task Kinesis_sample_event_parses()
    {
        var payload = await ReadFixtureAsync("kinesis-event.json");

        var kinesisEvent = LambdaPayload.Deserialize(payload, LambdaJsonContext.Default.KinesisEvent, "a Kinesis event");

        Assert.Equal(2, kinesisEvent.Records!.Count);
        var first = kinesisEvent.Records[0];
        Assert.Equal("49568167373333333333333333333333333333333333333333333333", first.Kinesis!.SequenceNumber);
        Assert.Equal("s1", first.Kinesis.PartitionKey);
        Assert.Equal("Hello World", Encoding.UTF8.GetString(Convert.FromBase64String(first.Kinesis.Data!)));
        Assert.Equal(DateTimeOffset.Parse("2016-12-02T01:18:43.477Z", System.Globalization.CultureInfo.InvariantCulture), first.Kinesis.ArrivalTime);
        Assert.Equal("shardId-000000000000", first.ShardId);
        Assert.Equal("arn:aws:kinesis:us-east-1:123456789012:stream/simple-stream", first.EventSourceArn);
        Assert.Equal("49568167373333333334444444444444444444444444444444444444", kinesisEvent.Records[1].Kinesis!.SequenceNumber);
    }

    [Fact]
    public async Task S3_sample_event_keys_are_url_decoded_with_plus_as_space()
    {
        var payload = await ReadFixtureAsync("s3-event.json");

        var s3Event = LambdaPayload.Deserialize(payload, LambdaJsonContext.Default.S3Event, "an S3 event");

        Assert.Equal(["HappyFace.jpg", "New File.jpg"], s3Event.Records!.Select(r => r.S3!.Object!.DecodedKey));
        Assert.Equal("New+File.jpg", s3Event.Records![1].S3!.Object!.Key);
        Assert.All(s3Event.Records, r =>
        {
            Assert.True(r.IsObjectCreated);
            Assert.Equal("sourcebucket", r.S3!.Bucket!.Name);
            Assert.Equal(1024, r.S3.Object!.Size);
        });
    }

    [Fact]
    public async Task Http_api_sample_request_parses()
    {
        var payload = await ReadFixtureAsync("http-api-v2-request.json");

        var request = LambdaPayload.Deserialize(payload, LambdaJsonContext.Default.HttpApiRequest, "an HTTP API event");

        Assert.Equal("2.0", request.Version);
        Assert.Equal("POST", request.RequestContext!.Http!.Method);
        Assert.Equal("/my/path", request.RequestContext.Http.Path);
        Assert.Equal("request-id", request.RequestContext.RequestId);
        Assert.Equal("Hello from Lambda", request.Body);
        Assert.True(request.IsBase64Encoded); // AWS's sample says so although the body is plain text: never decode blindly
        Assert.Equal("value1", request.Header("header1"));
        Assert.Equal("value1,value2", request.QueryStringParameters!["parameter1"]);
    }

    [Theory]
    [InlineData("raw/source=synthetic/dt=2026-01-31/run=20260131T101010Z-0a1b2c3d/page-000001.json")]
    [InlineData("odd dir/a+b=c&d%e/ünïcode.json")]
    public void Sam_s3_put_template_keys_round_trip(string key)
    {
        var bytes = LambdaEvents.S3Put([key]);
        var sPlus = LambdaEvents.S3Put([key], plusForSpace: true);

        var quoted = JsonSerializer.Deserialize(bytes, LambdaJsonContext.Default.S3Event)!.Records![0].S3!.Object!;
        var plussed = JsonSerializer.Deserialize(sPlus, LambdaJsonContext.Default.S3Event)!.Records![0].S3!.Object!;

        Assert.NotEqual(key, quoted.Key);
        Assert.Equal(key, quoted.DecodedKey);
        Assert.Equal(key, plussed.DecodedKey);
    }

    [Fact]
    public void Sam_templates_render_with_their_defaults()
    {
        var kinesis = SamEventTemplate.Render("kinesis", "get-records").Deserialize(LambdaJsonContext.Default.KinesisEvent)!;
        var s3 = SamEventTemplate.Render("s3", "put").Deserialize(LambdaJsonContext.Default.S3Event)!;
        var http = SamEventTemplate.Render("apigateway", "http-api-proxy").Deserialize(LambdaJsonContext.Default.HttpApiRequest)!;

        Assert.Equal("Hello, this is a test 123.", Encoding.UTF8.GetString(Convert.FromBase64String(kinesis.Records![0].Kinesis!.Data!)));
        Assert.Equal("49545115243490985018280067714973144582180062593244200961", kinesis.Records[0].Kinesis!.SequenceNumber);
        Assert.Equal("test/key", s3.Records![0].S3!.Object!.DecodedKey);
        Assert.Equal("example-bucket", s3.Records[0].S3!.Bucket!.Name);
        Assert.True(http.IsBase64Encoded);
        Assert.Equal("{\"test\":\"body\"}", Encoding.UTF8.GetString(Convert.FromBase64String(http.Body!)));
    }

    [Fact]
    public void Batch_item_failures_answer_has_the_shape_of_AWS_sample()
    {
        var sample = JsonDocument.Parse(LambdaPayload.WithoutBom(SharedFixtures.ReadBytes("lambda-events", "dynamodb-batchitemfailures-response.json"))).RootElement;
        var ours = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(
            new KinesisBatchResponse([new KinesisBatchItemFailure("1405400000000002063282832")]), LambdaJsonContext.Default.KinesisBatchResponse)).RootElement;

        Assert.Equal(JsonSerializer.Serialize(sample), JsonSerializer.Serialize(ours));
    }
}
