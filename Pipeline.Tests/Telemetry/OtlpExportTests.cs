using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Core.Telemetry;
using Pipeline.Tests.Support;
using Pipeline.Tests.Telemetry.Support;

namespace Pipeline.Tests.Telemetry;

/// <summary>
/// The app configured by the standard OTEL_* settings exports one trace per run to a real OTLP/HTTP receiver on
/// loopback: the plan span its root, each page's fetch a child of the plan, each transform a child of its page's fetch,
/// the refresh in the same trace; every span carries the run id. Its metrics and logs (with the run id) go there too.
/// A replay is a trace of its own, its transforms children of the fetch stage's spans that handed the pages over.
/// </summary>
public sealed class OtlpExportTests
{
    private const int Pages = 3;

    [Fact]
    public async Task A_run_is_one_trace_from_plan_to_refresh_with_its_metrics_and_logs()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var factory = AppExportingTo(receiver);
        using var client = factory.CreateApiClient();

        var runId = await client.StartRunAsync("synthetic", new { count = Pages * 50, pageSize = 50, seed = 11 });
        var spans = await receiver.WaitForSpansAsync(all =>
        {
            var run = OfRun(all, runId);
            return run.Count(s => s.Name == PipelineTelemetry.PlanSpan) == 1
                   && run.Count(s => s.Name == PipelineTelemetry.FetchSpan) >= Pages
                   && run.Count(s => s.Name == PipelineTelemetry.TransformSpan) >= Pages
                   && run.Any(s => s.Name == PipelineTelemetry.RefreshSpan);
        }, $"the plan, {Pages} fetch, {Pages} transform and the refresh spans of run {runId}");

        var ofRun = OfRun(spans, runId);
        var plan = Assert.Single(ofRun, s => s.Name == PipelineTelemetry.PlanSpan);
        Assert.Equal("", plan.ParentSpanId); // the run's root
        Assert.Equal("synthetic", plan.Attribute(PipelineTelemetry.SourceTag));
        Assert.Equal("pipeline-under-test", plan.ServiceName); // OTEL_SERVICE_NAME
        Assert.All(ofRun, s => Assert.Equal(plan.TraceId, s.TraceId));

        var fetches = ofRun.Where(s => s.Name == PipelineTelemetry.FetchSpan).ToList();
        Assert.All(fetches, f => Assert.Equal(plan.SpanId, f.ParentSpanId));
        Assert.Equal(Enumerable.Range(1, Pages).Select(p => $"{p}"), fetches.Select(f => f.Attribute(PipelineTelemetry.PageTag)!).Distinct().Order());

        var transforms = ofRun.Where(s => s.Name == PipelineTelemetry.TransformSpan).ToList();
        foreach (var transform in transforms)
        {
            var fetch = Assert.Single(fetches, f => f.SpanId == transform.ParentSpanId);
            Assert.Equal(fetch.Attribute(PipelineTelemetry.PageTag), transform.Attribute(PipelineTelemetry.PageTag));
        }

        var refresh = Assert.Single(ofRun, s => s.Name == PipelineTelemetry.RefreshSpan);
        // The span that ended the run: the last page's fetch or transform, or the plan when the pages were done before it.
        Assert.Contains(refresh.ParentSpanId, ofRun.Where(s => s != refresh).Select(s => s.SpanId));

        await receiver.WaitForMetricNamesAsync(names => names.Contains("pipeline.pages.fetched") && names.Contains("pipeline.stage.duration"),
            "the pipeline's metrics");
        var logs = await receiver.WaitForLogsAsync(all => all.Any(l => l.Body.StartsWith("Transformed", StringComparison.Ordinal)
            && l.Attributes.GetValueOrDefault("RunId") == runId), $"a transform's log record with run {runId}");
        Assert.Contains(logs, l => l.Body.StartsWith("Transformed", StringComparison.Ordinal) && l.Attributes.GetValueOrDefault("RunId") == runId
                                   && transforms.Any(t => t.TraceId == l.TraceId)); // inside the run's trace
    }

    [Fact]
    public async Task A_replay_is_a_trace_of_its_own_from_its_plan_to_each_page_transform()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var factory = AppExportingTo(receiver);
        using var client = factory.CreateApiClient();
        var fetched = await client.WaitForRunAsync(await client.StartRunAsync("synthetic", new { count = 100, pageSize = 50, seed = 3 }));
        using var response = await client.PostAsJsonAsync("/api/replays", new { source = "synthetic", runId = fetched.RunId }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var replayId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("runId").GetString()!;

        var spans = OfRun(await receiver.WaitForSpansAsync(all =>
        {
            var run = OfRun(all, replayId);
            return run.Any(s => s.Name == PipelineTelemetry.PlanSpan) && run.Count(s => s.Name == PipelineTelemetry.TransformSpan) >= 2;
        }, $"the plan and 2 transform spans of replay {replayId}"), replayId);

        var plan = Assert.Single(spans, s => s.Name == PipelineTelemetry.PlanSpan);
        Assert.Equal("", plan.ParentSpanId);
        Assert.DoesNotContain(plan.TraceId, OfRun(receiver.Spans, fetched.RunId).Select(s => s.TraceId)); // not the fetching run's trace
        var handOvers = spans.Where(s => s.Name == PipelineTelemetry.FetchSpan).ToList();
        Assert.All(handOvers, f => Assert.Equal((plan.TraceId, plan.SpanId), (f.TraceId, f.ParentSpanId)));
        Assert.All(spans.Where(s => s.Name == PipelineTelemetry.TransformSpan),
            t => Assert.Contains(t.ParentSpanId, handOvers.Select(f => f.SpanId)));
    }

    /// <summary>The app with the standard OTEL_* settings pointing at <paramref name="receiver"/>, exporting often.</summary>
    private static PipelineAppFactory AppExportingTo(OtlpReceiver receiver) => new(settings: new Dictionary<string, string?>
    {
        [OtelSettings.Endpoint] = receiver.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        [OtelSettings.ServiceName] = "pipeline-under-test",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Pipeline.Core.Stages"] = "Information",
    });

    private static List<OtlpSpan> OfRun(IEnumerable<OtlpSpan> spans, string runId) =>
        spans.Where(s => s.Attribute(PipelineTelemetry.RunIdTag) == runId && s.Name.StartsWith("pipeline.", StringComparison.Ordinal)).ToList();
}
