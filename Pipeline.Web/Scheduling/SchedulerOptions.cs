using System.ComponentModel.DataAnnotations;

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
