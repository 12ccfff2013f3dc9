using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Core.Sources;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Stages;

/// <summary>
/// The trigger stage: validates a request, records the run, plans the source's pages and publishes one fetch task per
/// page to the stream (a replay's run is planned by <see cref="ReplayHandler"/>). Publishing is safe to repeat: a re-published task is recognised downstream by its page. A plan
/// longer than <see cref="RunLimitsOptions.MaxPagesPerRun"/> publishes nothing and fails the run (sources that know their
/// page count up front refuse such options with a 400 before the run is recorded).
/// </summary>
public sealed class TriggerHandler(
    SourceRegistry sources, IRunStore runs, IIdempotencyMarkers markers, IEventStream stream, RunFinisher finisher, RunEvents events,
    TimeProvider clock, ILogger<TriggerHandler> logger, IOptions<RunLimitsOptions> limits, IBulkLoadTarget? bulkLoad = null,
    ReplayHandler? replay = null)
{
    public const int PublishBatchSize = 500;

    /// <summary>Validates and records a new run (status queued). Throws <see cref="InvalidOptionException"/> on bad input.</summary>
    public async Task<StartIngestionResult> CreateRunAsync(StartIngestionRequest request, CancellationToken ct)
    {
        var source = sources.Get(request.Source);
        var options = source.NormalizeOptions(request.Options ?? new Dictionary<string, string>());
        var now = clock.GetUtcNow();
        var run = new IngestionRun
        {
            RunId = RunIds.New(now),
            Source = source.Name,
            Status = RunStatus.Queued,
            CreatedAt = now,
            Options = options,
            Trigger = request.Trigger,
            ParentRunId = request.ParentRunId,
            OnlyPages = request.OnlyPages,
        };
        var (stored, created) = await runs.TryCreateRunAsync(run, ct).ConfigureAwait(false);
        if (created)
        {
            logger.LogInformation("Run {RunId} for {Source} queued by {Trigger}", run.RunId, run.Source, request.Trigger);
            var origin = request.ParentRunId is null ? "" : request.Trigger == RunTriggers.Retry
                ? $" to fetch again the {request.OnlyPages?.Count ?? 0} failed page(s) of run {request.ParentRunId}"
                : $" as a re-run of run {request.ParentRunId}";
            await events.InfoAsync(run.RunId, RunEventStage.Plan, RunEventKeys.Created,
                $"Queued by {request.Trigger}{origin}; options: {FormatOptions(options)}", ct).ConfigureAwait(false);
        }
        return new StartIngestionResult(stored, created);
    }

    /// <summary>Plans and publishes the run's fetch tasks. Safe to call again for a run whose planning did not finish.</summary>
    public async Task PlanAndPublishAsync(string runId, CancellationToken ct)
    {
        var run = await runs.GetRunAsync(runId, ct).ConfigureAwait(false)
                  ?? throw new InvalidOperationException($"Run {runId} does not exist.");
        if (run.Status.IsTerminal() || run.PlanningComplete) return;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = runId, ["Source"] = run.Source });
        using var span = PipelineTelemetry.StartPlan(runId, run.Source);
        try
        {
            if (run.Trigger == RunTriggers.Replay)
            {
                await (replay ?? throw new InvalidOperationException("Replays are not served here.")).PlanAndPublishAsync(run, ct).ConfigureAwait(false);
                return;
            }
            if (run.Status == RunStatus.Queued) await runs.SetStatusAsync(runId, RunStatus.Running, ct).ConfigureAwait(false);
            var source = sources.Get(run.Source);
            await events.InfoAsync(runId, RunEventStage.Plan, RunEventKeys.PlanStarted, $"Planning the pages of {run.Source}", ct).ConfigureAwait(false);
            IReadOnlyList<PagePlan> plan = await source.PlanAsync(run.Options, ct).ConfigureAwait(false);
            if (run.OnlyPages is { } only)
            {
                var wanted = only.ToHashSet();
                plan = plan.Where(p => wanted.Contains(p.Page)).ToList();
            }
            if (plan.Count > limits.Value.MaxPagesPerRun)
                throw new InvalidOptionException("options", string.Create(CultureInfo.InvariantCulture,
                    $"the plan has {plan.Count:N0} pages; a run may have at most {limits.Value.MaxPagesPerRun:N0} ({RunLimitsOptions.Section}:MaxPagesPerRun)"));
            if (bulkLoad is not null && await bulkLoad.BeginBulkLoadAsync(plan.Sum(p => (long)p.Limit), ct).ConfigureAwait(false))
                logger.LogInformation("Run {RunId} loads in bulk: the store's deferred sort indexes are built when it ends", runId);
            var runDate = DateOnly.FromDateTime(run.CreatedAt.UtcDateTime);
            var batch = new List<StreamRecord>(Math.Min(PublishBatchSize, plan.Count));
            foreach (var page in plan)
            {
                var task = new FetchTask
                {
                    RunId = run.RunId, Source = run.Source, Page = page.Page, Skip = page.Skip, Limit = page.Limit,
                    RunDate = runDate, Options = run.Options, TraceParent = span.TraceParent,
                };
                batch.Add(new StreamRecord(task.PartitionKey, JsonSerializer.SerializeToUtf8Bytes(task, CoreJsonContext.Default.FetchTask)));
                if (batch.Count == PublishBatchSize)
                {
                    await stream.PublishAsync(batch, ct).ConfigureAwait(false);
                    batch.Clear();
                    // A run cancelled while it plans publishes nothing more (what was published is skipped downstream).
                    if (await runs.GetRunAsync(runId, ct).ConfigureAwait(false) is { Status: RunStatus.Cancelled or RunStatus.Failed }) return;
                }
            }
            if (batch.Count > 0) await stream.PublishAsync(batch, ct).ConfigureAwait(false);

            await markers.ApplyOnceAsync(runId, "plan",
                [new CounterDelta(Counter.TasksPlanned, plan.Count), new CounterDelta(Counter.TasksPublished, plan.Count)], ct).ConfigureAwait(false);
            await runs.MarkPlanningCompleteAsync(runId, ct).ConfigureAwait(false);
            logger.LogInformation("Run {RunId} published {Tasks} fetch tasks", runId, plan.Count);
            await events.InfoAsync(runId, RunEventStage.Plan, RunEventKeys.Planned,
                string.Create(CultureInfo.InvariantCulture, $"Published {plan.Count:N0} fetch task(s) for {plan.Sum(p => (long)p.Limit):N0} product(s)"), ct).ConfigureAwait(false);
            // A run with no pages (empty catalog) settles right here.
            await finisher.TryFinishAsync(runId, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SourceFetchException or InvalidOptionException)
        {
            logger.LogError(ex, "Planning run {RunId} failed", runId);
            if (await runs.EndAsync(runId, RunStatus.Failed, $"planning failed: {ex.Message}", clock.GetUtcNow(), CancellationToken.None).ConfigureAwait(false))
                PipelineMetrics.RunEnded(run.Source, RunStatus.Failed.ToWire());
            span.Fail(ex);
            await PlanFailedAsync(runId, ex).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Planning run {RunId} failed", runId);
            if (await runs.EndAsync(runId, RunStatus.Failed, $"planning failed: {ex.GetType().Name}: {ex.Message}", clock.GetUtcNow(), CancellationToken.None).ConfigureAwait(false))
                PipelineMetrics.RunEnded(run.Source, RunStatus.Failed.ToWire());
            span.Fail(ex);
            await PlanFailedAsync(runId, ex).ConfigureAwait(false);
        }
    }

    private Task PlanFailedAsync(string runId, Exception ex) => events.RecordAsync(new RunEvent
    {
        RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Error, Stage = RunEventStage.Plan, Key = RunEventKeys.PlanFailed,
        Message = $"Planning failed: {ErrorMessage.FirstLine(ex.Message)}; the run ended failed", Cause = RunEvents.CauseOf(ex),
    }, CancellationToken.None);

    /// <summary>Cancels a run that has not finished; its remaining tasks are acknowledged without work.</summary>
    public async Task<bool> CancelAsync(string runId, CancellationToken ct)
    {
        var run = await runs.GetRunAsync(runId, ct).ConfigureAwait(false);
        if (!await runs.EndAsync(runId, RunStatus.Cancelled, "cancelled by operator", clock.GetUtcNow(), ct).ConfigureAwait(false)) return false;
        if (run is not null) PipelineMetrics.RunEnded(run.Source, RunStatus.Cancelled.ToWire());
        var stage = run is null || !run.PlanningComplete ? RunEventStage.Plan
            : run.Stages.PagesFetched + run.Stages.PagesRead + run.Stages.PagesFailed < run.Stages.TasksPlanned ? RunEventStage.Fetch
            : RunEventStage.Transform;
        await events.RecordAsync(new RunEvent
        {
            RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Warning, Stage = stage, Key = RunEventKeys.Cancelled,
            Message = "Cancelled by an operator: pages not yet fetched or transformed are skipped",
        }, ct).ConfigureAwait(false);
        return true;
    }

    private static string FormatOptions(IReadOnlyDictionary<string, string> options) =>
        options.Count == 0 ? "defaults" : string.Join(", ", options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}"));
}
