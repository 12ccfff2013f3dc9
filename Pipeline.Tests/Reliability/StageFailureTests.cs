using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Core.Stages;
using Pipeline.Tests.Support;
using Pipeline.Runtime;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// A stage that keeps failing for a reason retrying cannot fix: after the configured attempts the local event-source
/// mapping gives up on the record or object and ends its run <c>failed</c> with a reason that says which and why.
/// </summary>
public sealed class StageFailureTests : IAsyncLifetime
{
    private PipelineAppFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new PipelineAppFactory(settings: new Dictionary<string, string?> { ["Pipeline:Local:MaxAttempts"] = "3", ["Pipeline:Stream:MaxAttempts"] = "3" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A run recorded but not planned (nothing is published for it), to attach a hand-made failure to.</summary>
    private async Task<IngestionRun> RecordRunAsync()
    {
        await _app.StartupRecoveryDoneAsync(); // recovery would plan a queued run it finds, and the run would succeed
        await using var scope = _app.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<TriggerHandler>()
            .CreateRunAsync(new StartIngestionRequest("synthetic", new Dictionary<string, string> { ["count"] = "100" }), CancellationToken.None);
        return created.Run;
    }

    private Task<IngestionRun> WaitForEndAsync(string runId) => Eventually.WaitForAsync(
        async () => (await _app.Service<IRunStore>().GetRunAsync(runId, CancellationToken.None))!,
        r => r.Status.IsTerminal(), TimeSpan.FromSeconds(60), $"run {runId} to end");

    [Fact]
    public async Task A_fetch_task_that_fails_every_attempt_ends_its_run_failed_with_the_page_and_the_attempts()
    {
        var run = await RecordRunAsync();
        var task = new FetchTask
        {
            RunId = run.RunId, Source = "synthetic", Page = 1, Skip = 0, Limit = 100, RunDate = DateOnly.FromDateTime(run.CreatedAt.UtcDateTime),
            Options = new Dictionary<string, string> { ["count"] = "not-a-number" }, // the source throws on every attempt
        };

        await _app.Service<IEventStream>().PublishAsync(
            [new StreamRecord(task.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(task, CoreJsonContext.Default.FetchTask))], CancellationToken.None);
        var ended = await WaitForEndAsync(run.RunId);

        Assert.Equal(RunStatus.Failed, ended.Status);
        Assert.Contains("page 1 could not be fetched and stored after 3 attempts", ended.Errors);
        Assert.Equal(0, ended.Stages.PagesFetched);
    }

    [Fact]
    public async Task A_raw_object_that_cannot_be_transformed_ends_its_run_failed_with_the_key_and_the_cause()
    {
        using var failedRuns = new FailedRunsCounted("synthetic");
        var run = await RecordRunAsync();
        var key = RawKeys.Page("synthetic", DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId, 1); // never written

        await _app.Service<RawObjectQueue>().NotifyAsync(new RawObjectCreated(key, 10), CancellationToken.None);
        var ended = await WaitForEndAsync(run.RunId);

        Assert.Equal(RunStatus.Failed, ended.Status);
        var error = Assert.Single(ended.Errors);
        Assert.StartsWith($"transform of {key} failed after 3 attempts: ", error);
        Assert.Contains("is not in the raw zone", error);
        // The run given up by the transform worker is counted in pipeline.runs (recorded just after the status is written).
        await Eventually.WaitForAsync(() => Task.FromResult(failedRuns.Count), n => n >= 1, TimeSpan.FromSeconds(10), "pipeline.runs{status=failed}");
    }

    /// <summary>Counts <c>pipeline.runs</c> measurements with status failed for one source while it lives.</summary>
    private sealed class FailedRunsCounted : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public FailedRunsCounted(string source)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Pipeline.Core.Telemetry.PipelineMetrics.Meter.Name && instrument.Name == "pipeline.runs")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? tagSource = null, status = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "pipeline.source") tagSource = tag.Value as string;
                    else if (tag.Key == "pipeline.status") status = tag.Value as string;
                }
                if (tagSource == source && status == "failed") Interlocked.Add(ref _count, value);
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
