using System.Globalization;
using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// The configured schedules and their state, kept in Hangfire's own storage so that it survives a restart and is shared
/// by every process using that storage: a hash per schedule (paused flag, last execution) and a list (its history).
/// A paused schedule's recurring job is removed from Hangfire, so it cannot fire; resuming adds it back.
/// </summary>
public sealed class PipelineSchedules(
    JobStorage storage,
    IRecurringJobManager recurringJobs,
    IBackgroundJobClient jobs,
    IOptions<SchedulerOptions> options,
    TimeProvider clock,
    ILogger<PipelineSchedules> logger)
{
    internal const string TriggerSchedule = "schedule";
    internal const string TriggerManual = "manual";

    private static string StateKey(string id) => $"pipeline-schedule:{id}";
    private static string HistoryKey(string id) => $"pipeline-schedule-history:{id}";

    private readonly IReadOnlyList<ScheduleDefinition> _definitions = options.Value.Definitions();

    public IReadOnlyList<ScheduleDefinition> Definitions => _definitions;

    public ScheduleDefinition? Definition(string id) => _definitions.FirstOrDefault(d => d.Id == id);

    /// <summary>Registers each configured schedule with Hangfire (or removes it while paused) and drops unknown ones.</summary>
    public void Synchronize()
    {
        using var connection = storage.GetConnection();
        foreach (var definition in _definitions)
        {
            if (IsPaused(connection, definition.Id))
            {
                recurringJobs.RemoveIfExists(definition.Id);
                logger.LogInformation("Schedule {ScheduleId} is paused; its trigger stays removed", definition.Id);
                continue;
            }
            Register(definition);
        }
        var known = _definitions.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in connection.GetRecurringJobs().Where(r => !known.Contains(r.Id)))
        {
            recurringJobs.RemoveIfExists(stale.Id);
            logger.LogInformation("Removed recurring job {ScheduleId}: it is no longer configured", stale.Id);
        }
    }

    private void Register(ScheduleDefinition definition)
    {
        try
        {
            recurringJobs.AddOrUpdate(definition.Id, JobFor(definition.Id, TriggerSchedule), definition.Cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        }
        catch (ArgumentException ex)
        {
            throw new OptionsValidationException(SchedulerOptions.Section, typeof(SchedulerOptions),
                [$"{SchedulerOptions.Section}:Jobs:{definition.Id}:Cron '{definition.Cron}' was refused by Hangfire: {ex.Message}"]);
        }
    }

    private static Job JobFor(string id, string trigger) =>
        Job.FromExpression<ScheduledPipelineJob>(j => j.Run(id, trigger, null, CancellationToken.None));

    public IReadOnlyList<ScheduleStatus> List()
    {
        using var connection = storage.GetConnection();
        var recurring = connection.GetRecurringJobs(_definitions.Select(d => d.Id)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        return _definitions.Select(d => Status(connection, d, recurring.GetValueOrDefault(d.Id))).ToList();
    }

    public ScheduleStatus? Get(string id)
    {
        var definition = Definition(id);
        if (definition is null) return null;
        using var connection = storage.GetConnection();
        return Status(connection, definition, connection.GetRecurringJobs([id]).FirstOrDefault());
    }

    private static ScheduleStatus Status(IStorageConnection connection, ScheduleDefinition definition, RecurringJobDto? recurring)
    {
        var state = connection.GetAllEntriesFromHash(StateKey(definition.Id)) ?? new Dictionary<string, string>();
        var paused = state.GetValueOrDefault("paused") == "true";
        var lastJobId = state.GetValueOrDefault("lastJobId") is { Length: > 0 } jobId ? jobId : null;
        var outcome = state.GetValueOrDefault("lastOutcome");
        // Hangfire's own state of the latest job is the truth while it is queued or running, and when it died
        // before the job could record anything (a lock timeout, a crash).
        var hangfireState = lastJobId is null ? null : SafeState(connection, lastJobId);
        outcome = hangfireState switch
        {
            "Enqueued" or "Scheduled" or "Awaiting" => ScheduleOutcomes.Queued,  // Hangfire's state names
            "Processing" => ScheduleOutcomes.Running,
            "Failed" or "Deleted" when outcome is null or ScheduleOutcomes.Queued or ScheduleOutcomes.Running => ScheduleOutcomes.Failed,
            _ => outcome,
        };
        return new ScheduleStatus(
            definition.Id, definition.Cron, CronDescriber.Describe(definition.Cron), definition.Sources, definition.RefreshWarehouse, paused,
            paused || recurring?.NextExecution is not { } next ? null : new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)),
            ParseTime(state.GetValueOrDefault("lastStartedAt")),
            outcome,
            state.GetValueOrDefault("lastSummary"),
            lastJobId);
    }

    private static string? SafeState(IStorageConnection connection, string jobId)
    {
        try
        {
            return connection.GetJobData(jobId)?.State;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException)
        {
            return null; // an id from another storage kind
        }
    }

    /// <summary>Queues an execution now (also while paused); refused while one is queued or running.</summary>
    public TriggerResult Trigger(string id)
    {
        var status = Get(id);
        if (status is null) return new TriggerResult(TriggerOutcome.NotFound, null, null);
        if (status.IsActive) return new TriggerResult(TriggerOutcome.AlreadyActive, status.LastJobId, status);
        var jobId = jobs.Create(JobFor(id, TriggerManual), new EnqueuedState());
        using (var connection = storage.GetConnection())
            connection.SetRangeInHash(StateKey(id), [new("lastJobId", jobId), new("lastTrigger", TriggerManual)]);
        logger.LogInformation("Schedule {ScheduleId} triggered now as job {JobId}", id, jobId);
        return new TriggerResult(TriggerOutcome.Queued, jobId, Get(id));
    }

    /// <summary>Pauses the schedule: its trigger is removed until resumed, across restarts. Null for an unknown id.</summary>
    public ScheduleStatus? Pause(string id)
    {
        if (Definition(id) is null) return null;
        using (var connection = storage.GetConnection())
            connection.SetRangeInHash(StateKey(id), [new("paused", "true")]);
        recurringJobs.RemoveIfExists(id);
        logger.LogInformation("Schedule {ScheduleId} paused", id);
        return Get(id);
    }

    /// <summary>Resumes the schedule with its configured cron. Null for an unknown id.</summary>
    public ScheduleStatus? Resume(string id)
    {
        var definition = Definition(id);
        if (definition is null) return null;
        using (var connection = storage.GetConnection())
            connection.SetRangeInHash(StateKey(id), [new("paused", "false")]);
        Register(definition);
        logger.LogInformation("Schedule {ScheduleId} resumed", id);
        return Get(id);
    }

    /// <summary>The schedule's finished executions, newest first; null for an unknown id.</summary>
    public IReadOnlyList<ScheduleExecution>? History(string id, int limit)
    {
        if (Definition(id) is null) return null;
        using var connection = storage.GetConnection();
        var items = connection is JobStorageConnection listing
            ? listing.GetRangeFromList(HistoryKey(id), 0, Math.Clamp(limit, 1, 1000) - 1)
            : [];
        var list = new List<ScheduleExecution>(items.Count);
        foreach (var item in items)
        {
            try
            {
                if (JsonSerializer.Deserialize(item, SchedulingJsonContext.Default.ScheduleExecution) is { } execution) list.Add(execution);
            }
            catch (JsonException ex)
            {
                logger.LogWarning("Skipping an unreadable history entry of schedule {ScheduleId}: {Error}", id, ex.Message);
            }
        }
        return list.OrderByDescending(e => e.StartedAt).ToList();
    }

    internal void RecordStart(string id, string? jobId, string trigger, DateTimeOffset startedAt)
    {
        using var connection = storage.GetConnection();
        connection.SetRangeInHash(StateKey(id),
        [
            new("lastJobId", jobId ?? ""), new("lastTrigger", trigger), new("lastStartedAt", FormatTime(startedAt)),
            new("lastOutcome", ScheduleOutcomes.Running), new("lastSummary", ""),
        ]);
    }

    internal void RecordFinish(string id, ScheduleExecution execution)
    {
        using var connection = storage.GetConnection();
        connection.SetRangeInHash(StateKey(id),
        [
            new("lastFinishedAt", FormatTime(execution.FinishedAt)), new("lastOutcome", execution.Outcome),
            new("lastSummary", string.Join("; ", execution.Steps)),
        ]);
        using var transaction = connection.CreateWriteTransaction();
        transaction.InsertToList(HistoryKey(id), JsonSerializer.Serialize(execution, SchedulingJsonContext.Default.ScheduleExecution));
        transaction.TrimList(HistoryKey(id), 0, options.Value.HistoryLength - 1);
        transaction.Commit();
    }

    internal DateTimeOffset Now => clock.GetUtcNow();

    private static bool IsPaused(IStorageConnection connection, string id) =>
        connection.GetAllEntriesFromHash(StateKey(id))?.GetValueOrDefault("paused") == "true";

    private static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
