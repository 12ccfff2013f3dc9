using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Core.Telemetry;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;
using Pipeline.Tests.Telemetry.Support;

namespace Pipeline.Tests.Telemetry;

/// <summary>
/// The three functions, each invoked with its own event as Lambda would, continue one trace: the trigger's plan span
/// travels in each stream record's fetch task, the fetch span in the raw object's metadata. Each invocation has sent
/// its spans before it answers (a frozen Lambda sends nothing later), so the receiver holds them with no wait.
/// </summary>
public sealed class LambdaTraceTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));
    private OtlpReceiver _receiver = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = _dataDirectory,
            ["Logging:LogLevel:Default"] = "Warning",
            [OtelSettings.Endpoint] = _receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "60000", // only the flush at the end of each invocation sends
        }).Build();
        _services = LambdaServices.Build(configuration, logging => logging.ClearProviders(), EmbeddedAdapters.Add);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _receiver.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    [Fact]
    public async Task Fetch_and_transform_continue_the_trace_from_the_stream_record_and_the_raw_metadata()
    {
        var runId = await TriggerAsync("{\"source\":\"synthetic\",\"options\":{\"count\":40,\"pageSize\":20}}");
        var plan = Assert.Single(SpansOf(runId), s => s.Name == PipelineTelemetry.PlanSpan);

        var records = await RecordsOfAsync(runId);
        Assert.Equal(2, records.Count);
        foreach (var record in records)
            Assert.StartsWith($"00-{plan.TraceId}-{plan.SpanId}-", LambdaEnvironment.TaskOf(record).TraceParent, StringComparison.Ordinal); // then the flags
        foreach (var shard in records.GroupBy(r => r.ShardId))
            await using (await new FetchProductDataFunction(_services).HandleAsync(new MemoryStream(LambdaEvents.Kinesis(shard)))) { }

        var fetches = SpansOf(runId).Where(s => s.Name == PipelineTelemetry.FetchSpan).ToList();
        Assert.Equal(2, fetches.Count);
        Assert.All(fetches, f => Assert.Equal((plan.TraceId, plan.SpanId), (f.TraceId, f.ParentSpanId)));

        var keys = records.Select(r => LambdaEnvironment.TaskOf(r).RawKey).ToList();
        var rawZone = _services.GetRequiredService<IRawZone>();
        foreach (var key in keys)
        {
            var metadata = await rawZone.HeadAsync(key, CancellationToken.None);
            Assert.Contains(fetches, f => metadata!.TraceParent?.StartsWith($"00-{f.TraceId}-{f.SpanId}-", StringComparison.Ordinal) == true);
        }
        await using (await new TransformProductsFunction(_services).HandleAsync(new MemoryStream(LambdaEvents.S3Put(keys)))) { }

        var transforms = SpansOf(runId).Where(s => s.Name == PipelineTelemetry.TransformSpan).ToList();
        Assert.Equal(2, transforms.Count);
        foreach (var transform in transforms)
        {
            var fetch = Assert.Single(fetches, f => f.SpanId == transform.ParentSpanId);
            Assert.Equal((plan.TraceId, fetch.Attribute(PipelineTelemetry.PageTag)), (transform.TraceId, transform.Attribute(PipelineTelemetry.PageTag)));
        }
        Assert.All(SpansOf(runId), s => Assert.Equal(LambdaTelemetry.ServiceName, s.ServiceName));
    }

    [Fact]
    public async Task A_fetch_task_from_elsewhere_is_fetched_inside_the_trace_its_traceparent_names()
    {
        var runId = await TriggerAsync("{\"source\":\"synthetic\",\"options\":{\"count\":10,\"pageSize\":10}}");
        var record = Assert.Single(await RecordsOfAsync(runId));
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736", parentId = "00f067aa0ba902b7";
        var task = LambdaEnvironment.TaskOf(record) with { TraceParent = $"00-{traceId}-{parentId}-01" };
        var rewritten = record with { Data = JsonSerializer.SerializeToUtf8Bytes(task, CoreJsonContext.Default.FetchTask) };

        await using (await new FetchProductDataFunction(_services).HandleAsync(new MemoryStream(LambdaEvents.Kinesis([rewritten])))) { }

        var fetch = Assert.Single(SpansOf(runId), s => s.Name == PipelineTelemetry.FetchSpan);
        Assert.Equal((traceId, parentId), (fetch.TraceId, fetch.ParentSpanId));
    }

    private async Task<string> TriggerAsync(string body)
    {
        await using var output = await new TriggerIngestionFunction(_services).HandleAsync(new MemoryStream(LambdaEvents.HttpPost(body)));
        var response = (await JsonDocument.ParseAsync(output)).RootElement;
        Assert.Equal(202, response.GetProperty("statusCode").GetInt32());
        return JsonDocument.Parse(response.GetProperty("body").GetString()!).RootElement.GetProperty("runId").GetString()!;
    }

    private List<OtlpSpan> SpansOf(string runId) =>
        _receiver.Spans.Where(s => s.Attribute(PipelineTelemetry.RunIdTag) == runId).ToList();

    private async Task<List<ReceivedRecord>> RecordsOfAsync(string runId)
    {
        var stream = _services.GetRequiredService<IEventStream>();
        var records = new List<ReceivedRecord>();
        foreach (var shard in await stream.ListShardsAsync(CancellationToken.None))
        {
            var batch = await stream.OpenShard(shard, null).ReadAsync(1000, CancellationToken.None);
            records.AddRange(batch.Records.Where(r => LambdaEnvironment.TaskOf(r).RunId == runId));
        }
        return records;
    }
}
