using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// <c>Pipeline:Scheduler</c>: where Hangfire keeps its jobs, how this process works them, and the recurring schedules
/// (<c>Pipeline:Scheduler:Jobs:&lt;id&gt;</c>, keyed by id so one job can be changed or disabled by a single key).
/// </summary>
public sealed class SchedulerOptions
{
    public const string Section = "Pipeline:Scheduler";

    /// <summary>The schedule used when none is configured: every 6 hours ingest each HTTP source, then refresh.</summary>
    public const string DefaultJobId = "pipeline-refresh";

    public static readonly string[] StorageKinds = ["Sqlite", "Postgres", "InMemory"];

    /// <summary><c>Sqlite</c> (embedded default, a file in the data directory), <c>Postgres</c> or <c>InMemory</c> (tests).</summary>
    [Required]
    public string Storage { get; set; } = "Sqlite";

    /// <summary>PostgreSQL connection string (<c>Pipeline:Scheduler:ConnectionString</c>), required for <c>Postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL schema of Hangfire's tables.</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string Schema { get; set; } = "hangfire";

    /// <summary>SQLite file name, relative to <c>Pipeline:DataDirectory</c> unless rooted.</summary>
    [Required]
    public string SqliteFile { get; set; } = "hangfire.db";

    /// <summary>Whether this process works jobs (a Hangfire server). Schedules are registered either way.</summary>
    public bool ServerEnabled { get; set; } = true;

    [Range(1, 64)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>How often the SQL storages look for new jobs, and the server for due schedules.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a scheduled job looks at the run or refresh it waits for.</summary>
    public TimeSpan RunPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a scheduled job waits for one run (or refresh) to end before it gives up on it.</summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromHours(3);

    /// <summary>How long a job waits for another scheduled job to finish ingesting the same source before skipping it.</summary>
    public TimeSpan SourceLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Executions kept per schedule in its history.</summary>
    [Range(1, 1000)]
    public int HistoryLength { get; set; } = 50;

    public Dictionary<string, ScheduledJobOptions> Jobs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The enabled schedules, ordered by id; the default one when none is configured.</summary>
    public IReadOnlyList<ScheduleDefinition> Definitions()
    {
        if (Jobs.Count == 0)
            return [new ScheduleDefinition(DefaultJobId, "0 */6 * * *", ["dummyjson", "fakestore"], RefreshWarehouse: true)];
        return Jobs.Where(j => j.Value.Enabled)
            .OrderBy(j => j.Key, StringComparer.Ordinal)
            .Select(j => new ScheduleDefinition(j.Key, j.Value.Cron.Trim(),
                j.Value.Sources.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim().ToLowerInvariant()).Distinct().ToList(),
                j.Value.RefreshWarehouse))
            .ToList();
    }
}

/// <summary>One recurring job: ingest these sources (in order, each run awaited), then refresh the warehouse.</summary>
public sealed class ScheduledJobOptions
{
    /// <summary>Standard 5-field cron (minute hour day-of-month month day-of-week), evaluated in UTC.</summary>
    [Required]
    public string Cron { get; set; } = "0 */6 * * *";

    public List<string> Sources { get; set; } = [];

    public bool RefreshWarehouse { get; set; } = true;

    /// <summary>False removes the schedule (and its Hangfire recurring job) without deleting the configuration.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>A configured schedule, as the scheduler uses it.</summary>
public sealed record ScheduleDefinition(string Id, string Cron, IReadOnlyList<string> Sources, bool RefreshWarehouse);

/// <summary>Checks what DataAnnotations cannot: the storage kind, the connection string, ids and cron expressions.</summary>
public sealed partial class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();

    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var errors = new List<string>();
        if (!SchedulerOptions.StorageKinds.Contains(options.Storage, StringComparer.Ordinal))
            errors.Add($"{SchedulerOptions.Section}:Storage is '{options.Storage}'; expected one of: {string.Join(", ", SchedulerOptions.StorageKinds)}.");
        if (options.Storage == "Postgres" && string.IsNullOrWhiteSpace(options.ConnectionString))
            errors.Add($"{SchedulerOptions.Section}:ConnectionString is required when {SchedulerOptions.Section}:Storage is Postgres.");
        if (options.PollInterval <= TimeSpan.Zero || options.RunPollInterval <= TimeSpan.Zero || options.RunTimeout <= TimeSpan.Zero)
            errors.Add($"{SchedulerOptions.Section}: PollInterval, RunPollInterval and RunTimeout must be positive.");
        foreach (var (id, job) in options.Jobs)
        {
            var key = $"{SchedulerOptions.Section}:Jobs:{id}";
            if (!IdPattern().IsMatch(id))
                errors.Add($"{key}: a schedule id is 1-64 lower-case letters, digits, '-' or '_'.");
            if (!CronDescriber.IsWellFormed(job.Cron))
                errors.Add($"{key}:Cron '{job.Cron}' is not a 5-field cron expression (minute hour day-of-month month day-of-week).");
            if (job.Enabled && job.Sources.Count == 0 && !job.RefreshWarehouse)
                errors.Add($"{key}: a schedule must ingest at least one source or refresh the warehouse.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
