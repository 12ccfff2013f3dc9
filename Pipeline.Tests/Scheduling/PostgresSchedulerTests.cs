using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;
using Pipeline.Web.Scheduling;

namespace Pipeline.Tests.Scheduling;

/// <summary>
/// Hangfire on the real PostgreSQL server started by tools/postgres/start.sh (127.0.0.1:5433, or PIPELINE_POSTGRES):
/// schedules registered, triggered, their history visible, and the paused flag seen by a second host. Each test uses
/// one schema (Hangfire installs its tables once), dropped at the end.
/// </summary>
public sealed class PostgresSchedulerTests(PostgresSchema schema) : IClassFixture<PostgresSchema>
{
    private readonly string _schema = schema.Name;

    private PipelineAppFactory App() => new(settings: SchedulerTestSettings.Fast(new Dictionary<string, string?>
    {
        ["Pipeline:Scheduler:Storage"] = "Postgres",
        ["Pipeline:Scheduler:ConnectionString"] = PostgresSchema.ConnectionString,
        ["Pipeline:Scheduler:Schema"] = _schema,
    }));

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Schedules_are_registered_triggered_and_their_history_kept_in_postgres()
    {
        await using var app = App();
        using var api = app.CreateApiClient();

        var list = JsonDocument.Parse(await api.GetStringAsync("/api/schedules")).RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        var refresh = list.Single(s => s.GetProperty("id").GetString() == "warehouse-refresh");
        Assert.Equal(JsonValueKind.String, refresh.GetProperty("nextRunAt").ValueKind);
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM {_schema}.set WHERE key = 'recurring-jobs' AND value = 'warehouse-refresh'"));

        var triggered = await api.PostAsync("/api/schedules/warehouse-refresh/trigger", null);
        Assert.Equal(HttpStatusCode.Accepted, triggered.StatusCode);
        var jobId = (await triggered.Content.ReadFromJsonAsync<ScheduleTriggeredResponse>(ApiCalls.Json))!.JobId;

        var schedules = app.Service<PipelineSchedules>();
        var done = await Eventually.WaitForAsync(() => Task.FromResult(schedules.Get("warehouse-refresh")!),
            s => s.LastOutcome is not null && !s.IsActive, TimeSpan.FromSeconds(30), "the triggered refresh to end");
        Assert.Equal(ScheduleOutcomes.Succeeded, done.LastOutcome);

        var history = (await api.GetFromJsonAsync<ItemsResponse<ScheduleExecution>>("/api/schedules/warehouse-refresh/history", ApiCalls.Json))!.Items;
        var execution = Assert.Single(history);
        Assert.Equal((jobId, "manual", ScheduleOutcomes.Succeeded), (execution.JobId, execution.Trigger, execution.Outcome));
        Assert.StartsWith("warehouse: refresh wr-", execution.Steps.Single());
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM {_schema}.job WHERE id = {long.Parse(jobId)} AND statename = 'Succeeded'"));
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM {_schema}.list WHERE key = 'pipeline-schedule-history:warehouse-refresh'"));
    }

    [Fact]
    public async Task A_pause_is_seen_by_the_next_host_on_the_same_database()
    {
        await using (var first = App())
        {
            using var api = first.CreateApiClient();
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/schedules/ingest-fakestore/pause", null)).StatusCode);
        }
        await using var second = App();
        using var again = second.CreateApiClient();
        var schedule = JsonDocument.Parse(await again.GetStringAsync("/api/schedules")).RootElement.GetProperty("items").EnumerateArray()
            .Single(s => s.GetProperty("id").GetString() == "ingest-fakestore");
        Assert.True(schedule.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("nextRunAt").ValueKind);
        Assert.Equal(0, await CountAsync($"SELECT count(*) FROM {_schema}.set WHERE key = 'recurring-jobs' AND value = 'ingest-fakestore'"));
    }
}

/// <summary>One Hangfire schema on the test PostgreSQL server for a test class; fails clearly when the server is not running.</summary>
public sealed class PostgresSchema : IAsyncLifetime
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("PIPELINE_POSTGRES") is { Length: > 0 } cs
            ? cs
            : "Host=127.0.0.1;Port=5433;Database=pipeline_test;Username=postgres;Timeout=5";

    public string Name { get; } = $"hf_{Guid.NewGuid():N}"[..15];

    public async Task InitializeAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable at '{ConnectionString}': start it with tools/postgres/start.sh (CI does) " +
                $"or set PIPELINE_POSTGRES. {ex.Message}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
