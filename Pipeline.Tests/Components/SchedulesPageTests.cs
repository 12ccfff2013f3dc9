using Bunit;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Web.Components.Pages;
using Pipeline.Web.Scheduling;

namespace Pipeline.Tests.Components;

/// <summary>/schedules over the real schedule book on Hangfire's in-memory storage (no server: triggered jobs stay queued).</summary>
public sealed class SchedulesPageTests : MudTestContext
{
    private static SchedulerOptions Configured(bool enabled = true) => new()
    {
        Jobs =
        {
            ["ingest-dummyjson"] = new ScheduledJobOptions { Cron = "0 */6 * * *", Sources = ["dummyjson"], Enabled = enabled },
            ["warehouse-refresh"] = new ScheduledJobOptions { Cron = "30 3 * * *", Enabled = enabled },
        },
    };

    private PipelineSchedules Use(JobStorage storage, SchedulerOptions options)
    {
        var schedules = new PipelineSchedules(storage, new RecurringJobManager(storage), new BackgroundJobClient(storage),
            Options.Create(options), TimeProvider.System, NullLogger<PipelineSchedules>.Instance);
        Services.AddSingleton(schedules);
        return schedules;
    }

    private static AngleSharp.Dom.IElement Card(IRenderedComponent<Schedules> page, string id) => page.Find($"[data-schedule='{id}']");

    [Fact]
    public void Each_schedule_shows_its_cron_in_words_next_run_and_last_outcome()
    {
        var schedules = Use(new InMemoryStorage(), Configured());
        schedules.Synchronize();
        var now = DateTimeOffset.UtcNow;
        schedules.RecordFinish("warehouse-refresh", new ScheduleExecution("1", "schedule", now.AddSeconds(-4), now, ScheduleOutcomes.Succeeded, ["warehouse: refresh wr-1 succeeded"]));

        var page = Render<Schedules>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        var dummy = Card(page, "ingest-dummyjson");
        Assert.Equal("Every 6 hours, at 00:00, 06:00, 12:00 and 18:00 UTC", dummy.QuerySelector("[data-description]")!.TextContent);
        Assert.Contains("ingest dummyjson, then refresh the warehouse", dummy.TextContent);
        Assert.Matches(@"\d{4}-\d\d-\d\d (00|06|12|18):00 UTC", dummy.QuerySelector("[data-next]")!.TextContent);
        Assert.Equal("never", dummy.QuerySelector("[data-last]")!.TextContent);
        Assert.Equal("none", dummy.QuerySelector("[data-outcome]")!.GetAttribute("data-outcome"));

        var refresh = Card(page, "warehouse-refresh");
        Assert.Equal("Every day at 03:30 UTC", refresh.QuerySelector("[data-description]")!.TextContent);
        Assert.Equal("succeeded", refresh.QuerySelector("[data-outcome]")!.GetAttribute("data-outcome"));
        Assert.Contains("warehouse: refresh wr-1 succeeded", refresh.TextContent);
    }

    [Fact]
    public void Pause_and_resume_change_the_trigger_and_trigger_now_queues_a_job()
    {
        var storage = new InMemoryStorage();
        var schedules = Use(storage, Configured());
        schedules.Synchronize();
        var page = Render<Schedules>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        Card(page, "ingest-dummyjson").QuerySelector("[data-action=pause]")!.Click();
        Assert.NotNull(Card(page, "ingest-dummyjson").QuerySelector("[data-paused]"));
        Assert.Equal("paused", Card(page, "ingest-dummyjson").QuerySelector("[data-next]")!.TextContent);
        Assert.True(schedules.Get("ingest-dummyjson")!.Paused);

        Card(page, "ingest-dummyjson").QuerySelector("[data-action=resume]")!.Click();
        Assert.Null(Card(page, "ingest-dummyjson").QuerySelector("[data-paused]"));
        Assert.NotNull(Card(page, "ingest-dummyjson").QuerySelector("[data-action=pause]"));
        Assert.NotNull(schedules.Get("ingest-dummyjson")!.NextRunAt);

        Card(page, "warehouse-refresh").QuerySelector("[data-action=trigger]")!.Click();
        Assert.Equal("queued", Card(page, "warehouse-refresh").QuerySelector("[data-outcome]")!.GetAttribute("data-outcome"));
        Assert.True(Card(page, "warehouse-refresh").QuerySelector("[data-action=trigger]")!.HasAttribute("disabled"));
        Assert.Equal(1, storage.GetMonitoringApi().EnqueuedCount("default"));
    }

    [Fact]
    public void History_lists_finished_executions_newest_first()
    {
        var schedules = Use(new InMemoryStorage(), Configured());
        var t = DateTimeOffset.UtcNow.AddHours(-12);
        schedules.RecordFinish("ingest-dummyjson", new ScheduleExecution("1", "schedule", t, t.AddSeconds(30), ScheduleOutcomes.Failed, ["dummyjson: run r1 failed"]));
        schedules.RecordFinish("ingest-dummyjson", new ScheduleExecution("2", "manual", t.AddHours(6), t.AddHours(6).AddSeconds(20), ScheduleOutcomes.Succeeded, ["dummyjson: run r2 succeeded", "warehouse: refresh wr-2 succeeded"]));
        var page = Render<Schedules>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        Card(page, "ingest-dummyjson").QuerySelector("[data-action=history]")!.Click();

        var rows = page.FindAll("[data-history='ingest-dummyjson'] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("manual", rows[0].TextContent);
        Assert.Contains("warehouse: refresh wr-2 succeeded", rows[0].TextContent);
        Assert.Contains("20.0 s", rows[0].TextContent);
        Assert.Equal("failed", rows[1].QuerySelector("[data-outcome]")!.GetAttribute("data-outcome"));
    }

    [Fact]
    public void No_enabled_schedule_is_an_empty_state()
    {
        Use(new InMemoryStorage(), Configured(enabled: false));
        var page = Render<Schedules>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        Assert.Contains("No schedule is configured", page.Find("#schedules-empty").TextContent);
    }

    [Fact]
    public void An_unreachable_job_storage_is_shown_as_an_error()
    {
        // A real PostgreSQL storage pointed at a closed port: every read fails, and the page says so.
        var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = false };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory("Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=2", options), options);
        Use(storage, Configured());

        var page = Render<Schedules>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        Assert.Contains("The schedules could not be read", page.Find("#schedules-error").TextContent);
        Assert.Empty(page.FindAll("#schedules-empty"));
    }
}
