using Hangfire;
using Hangfire.Server;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// The Hangfire job behind every schedule: ingests each of its sources in turn, waiting for each run to end, then
/// refreshes the warehouse and waits for that too. One execution per schedule at a time (a lock on the schedule id),
/// and one scheduled ingestion per source at a time (a lock on the source; the run store also refuses a second active
/// run of a source, in which case the job follows the run already going on).
/// </summary>
/// <remarks>
/// <see cref="Run"/> is synchronous on purpose: Hangfire's worker threads are dedicated, and some storages
/// (Hangfire.Storage.SQLite) tie a distributed lock to the thread that took it, so the lock must be released on the same
/// thread — which an <c>await</c> in between would not guarantee.
/// </remarks>
public sealed class ScheduledPipelineJob(
    PipelineSchedules schedules,
    IPipelineCommands commands,
    IRunStore runs,
    IRefreshStore refreshes,
    JobStorage storage,
    IOptions<SchedulerOptions> options,
    ILogger<ScheduledPipelineJob> logger)
{
    [DisableConcurrentExecution("pipeline-schedule:{0}", 10)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Schedule {0} ({1})")]
    public string Run(string scheduleId, string trigger, PerformContext? context, CancellationToken cancellationToken)
    {
        var definition = schedules.Definition(scheduleId)
                         ?? throw new InvalidOperationException($"Schedule '{scheduleId}' is no longer configured.");
        var jobId = context?.BackgroundJob.Id;
        var startedAt = schedules.Now;
        schedules.RecordStart(scheduleId, jobId, trigger, startedAt);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ScheduleId"] = scheduleId, ["JobId"] = jobId ?? "" });
        logger.LogInformation("Schedule {ScheduleId} started ({Trigger}): sources {Sources}, refresh {Refresh}",
            scheduleId, trigger, string.Join(",", definition.Sources), definition.RefreshWarehouse);

        var steps = new List<string>();
        var outcome = ScheduleOutcomes.Succeeded;
        try
        {
            foreach (var source in definition.Sources)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (step, result) = IngestUnderLock(scheduleId, source, cancellationToken);
                steps.Add(step);
                outcome = ScheduleOutcomes.Worst(outcome, result);
            }
            if (definition.RefreshWarehouse)
            {
                var (step, result) = RefreshAsync(scheduleId, cancellationToken).GetAwaiter().GetResult();
                steps.Add(step);
                outcome = ScheduleOutcomes.Worst(outcome, result);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping: Hangfire re-queues the job, and the next attempt follows the same runs.
            logger.LogWarning("Schedule {ScheduleId} interrupted by shutdown; it will be resumed", scheduleId);
            throw;
        }
        catch (Exception ex)
        {
            steps.Add($"error: {ex.GetType().Name}: {ex.Message}");
            outcome = ScheduleOutcomes.Failed;
        }

        var execution = new ScheduleExecution(jobId, trigger, startedAt, schedules.Now, outcome, steps);
        schedules.RecordFinish(scheduleId, execution);
        var summary = string.Join("; ", steps);
        logger.LogInformation("Schedule {ScheduleId} ended {Outcome}: {Summary}", scheduleId, outcome, summary);
        if (outcome == ScheduleOutcomes.Failed) throw new ScheduledJobFailedException($"Schedule {scheduleId} failed: {summary}");
        return summary;
    }

    private (string Step, string Outcome) IngestUnderLock(string scheduleId, string source, CancellationToken ct)
    {
        using var connection = storage.GetConnection();
        IDisposable sourceLock;
        try
        {
            sourceLock = connection.AcquireDistributedLock($"pipeline-source:{source}", options.Value.SourceLockTimeout);
        }
        catch (DistributedLockTimeoutException)
        {
            return ($"{source}: skipped, another scheduled job is ingesting it", ScheduleOutcomes.PartiallySucceeded);
        }
        using (sourceLock)
            return IngestAsync(scheduleId, source, ct).GetAwaiter().GetResult();
    }

    private async Task<(string, string)> IngestAsync(string scheduleId, string source, CancellationToken ct)
    {
        StartIngestionResult started;
        try
        {
            started = await commands.StartIngestionAsync(new StartIngestionRequest(source, null, $"schedule:{scheduleId}"), ct);
        }
        catch (InvalidOptionException ex)
        {
            return ($"{source}: not started: {ex.Message}", ScheduleOutcomes.Failed);
        }
        var joined = started.Created ? "" : " (followed the run already active)";
        var run = await WaitAsync(() => runs.GetRunAsync(started.Run.RunId, ct), r => r is null || r.Status.IsTerminal(), ct);
        if (run is null) return ($"{source}: run {started.Run.RunId} disappeared", ScheduleOutcomes.Failed);
        if (!run.Status.IsTerminal())
            return ($"{source}: run {run.RunId} still {run.Status.ToWire()} after {options.Value.RunTimeout}{joined}", ScheduleOutcomes.Failed);
        var s = run.Stages;
        var detail = $"{source}: run {run.RunId} {run.Status.ToWire()}{joined}: {s.ProductsUpserted} upserted, {s.ProductsUnchanged} unchanged, " +
                     $"{s.ProductsRejected} rejected, {s.PriceChanges} price changes";
        if (run.Errors.Count > 0) detail += $" ({run.Errors[0]})";
        return (detail, OutcomeOf(run.Status));
    }

    private async Task<(string, string)> RefreshAsync(string scheduleId, CancellationToken ct)
    {
        var created = await commands.StartRefreshAsync($"schedule:{scheduleId}", ct);
        var refresh = await WaitAsync(() => refreshes.GetRefreshAsync(created.RefreshId, ct), r => r is null || r.Status.IsTerminal(), ct);
        if (refresh is null) return ($"warehouse: refresh {created.RefreshId} disappeared", ScheduleOutcomes.Failed);
        if (!refresh.Status.IsTerminal())
            return ($"warehouse: refresh {refresh.RefreshId} still {refresh.Status.ToWire()} after {options.Value.RunTimeout}", ScheduleOutcomes.Failed);
        var detail = $"warehouse: refresh {refresh.RefreshId} {refresh.Status.ToWire()}: {refresh.ProductsLoaded} products, " +
                     $"{refresh.ObservationsLoaded} observations";
        if (refresh.Error is not null) detail += $" ({refresh.Error})";
        return (detail, OutcomeOf(refresh.Status));
    }

    /// <summary>Polls until the run (or refresh) ends or the configured timeout passes; returns the last state seen.</summary>
    private async Task<T?> WaitAsync<T>(Func<Task<T?>> read, Func<T?, bool> done, CancellationToken ct) where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.RunTimeout);
        using var timer = new PeriodicTimer(options.Value.RunPollInterval);
        var last = await read();
        try
        {
            while (!done(last) && await timer.WaitForNextTickAsync(timeout.Token)) last = await read();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: the caller reports the state it last saw.
        }
        return last;
    }

    private static string OutcomeOf(RunStatus status) => status switch
    {
        RunStatus.Succeeded => ScheduleOutcomes.Succeeded,
        RunStatus.PartiallySucceeded => ScheduleOutcomes.PartiallySucceeded,
        _ => ScheduleOutcomes.Failed,
    };
}
