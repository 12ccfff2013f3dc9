using Hangfire;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Web.Scheduling;

namespace Pipeline.Tests.Scheduling;

/// <summary>The paused flag and the history live in Hangfire's SQLite file: a new process on the same file sees them.</summary>
public sealed class ScheduleRestartTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    private static readonly SchedulerOptions Options = new()
    {
        Jobs =
        {
            ["ingest-dummyjson"] = new ScheduledJobOptions { Cron = "0 */6 * * *", Sources = ["dummyjson"] },
            ["warehouse-refresh"] = new ScheduledJobOptions { Cron = "30 */6 * * *" },
        },
    };

    private (SQLiteStorage Storage, PipelineSchedules Schedules) Start()
    {
        var storage = new SQLiteStorage(Path.Combine(_dir, "hangfire.db"), new SQLiteStorageOptions());
        var schedules = new PipelineSchedules(storage, new RecurringJobManager(storage), new BackgroundJobClient(storage),
            Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System, NullLogger<PipelineSchedules>.Instance);
        schedules.Synchronize();
        return (storage, schedules);
    }

    [Fact]
    public void A_paused_schedule_stays_paused_and_untriggerable_by_cron_after_a_restart_and_its_history_is_kept()
    {
        Directory.CreateDirectory(_dir);
        var (storage, schedules) = Start();
        Assert.NotNull(schedules.Pause("ingest-dummyjson"));
        var finished = DateTimeOffset.UtcNow;
        schedules.RecordFinish("warehouse-refresh",
            new ScheduleExecution("7", "schedule", finished.AddSeconds(-3), finished, ScheduleOutcomes.Succeeded, ["warehouse: refresh wr-1 succeeded"]));
        storage.Dispose();

        var (restarted, again) = Start();
        using (restarted)
        {
            var list = again.List();
            var paused = Assert.Single(list, s => s.Id == "ingest-dummyjson");
            Assert.True(paused.Paused);
            Assert.Null(paused.NextRunAt);
            var running = Assert.Single(list, s => s.Id == "warehouse-refresh");
            Assert.False(running.Paused);
            Assert.NotNull(running.NextRunAt);
            using (var connection = restarted.GetConnection())
                Assert.Equal(["warehouse-refresh"], connection.GetRecurringJobs().Select(r => r.Id));

            var history = Assert.Single(again.History("warehouse-refresh", 10)!);
            Assert.Equal(("7", ScheduleOutcomes.Succeeded, "warehouse: refresh wr-1 succeeded"), (history.JobId, history.Outcome, history.Steps[0]));

            Assert.NotNull(again.Resume("ingest-dummyjson"));
            using (var connection = restarted.GetConnection())
                Assert.Equal(["ingest-dummyjson", "warehouse-refresh"], connection.GetRecurringJobs().Select(r => r.Id).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Schedules_no_longer_configured_are_removed_at_start()
    {
        Directory.CreateDirectory(_dir);
        var storage = new SQLiteStorage(Path.Combine(_dir, "hangfire.db"), new SQLiteStorageOptions());
        using (storage)
        {
            new RecurringJobManager(storage).AddOrUpdate("old-job", Hangfire.Common.Job.FromExpression(() => Console.WriteLine("x")), "0 0 * * *");
            var schedules = new PipelineSchedules(storage, new RecurringJobManager(storage), new BackgroundJobClient(storage),
                Microsoft.Extensions.Options.Options.Create(Options), TimeProvider.System, NullLogger<PipelineSchedules>.Instance);
            schedules.Synchronize();
            using var connection = storage.GetConnection();
            Assert.Equal(["ingest-dummyjson", "warehouse-refresh"], connection.GetRecurringJobs().Select(r => r.Id).Order(StringComparer.Ordinal));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
