using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using Pipeline.Tests.Adapters.Aws;
using Pipeline.Tests.Adapters.Aws.EndToEnd;
using Pipeline.Tests.Adapters.Local;
using Pipeline.Tests.Scheduling;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations;

/// <summary>
/// Two real processes (<c>dotnet Pipeline.Web.dll</c>) as behind a load balancer: the same stream, bucket and tables on
/// the local AWS-API servers, Hangfire on one PostgreSQL schema, each its own data directory. A cookie from one is
/// accepted by the other (data-protection keys and sessions in the DynamoDB runs table, one application name); a run
/// started on one is seen and cancelled on the other; a recurring job due every minute fires once, not once per
/// instance. The local event-source mappings are off (as when the Lambdas process the stream), so runs stay active
/// after planning and the cancel cannot race the run's end.
/// </summary>
public sealed class LoadBalancedInstancesTests(PostgresSchema schema) : IClassFixture<PostgresSchema>, IAsyncLifetime
{
    private const string ScheduleId = "lbtick";
    private readonly TempFolder _folder = new();
    private AwsStack _stack = null!;
    private FixtureCatalogServer _catalog = null!;

    public async Task InitializeAsync()
    {
        _stack = await AwsStack.CreateAsync("lb");
        _catalog = await FixtureCatalogServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _catalog.DisposeAsync();
        await _stack.DisposeAsync();
        _folder.Dispose();
    }

    private Task<PipelineProcess> StartAsync(string name)
    {
        var settings = _stack.Settings().ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value ?? "");
        settings["ASPNETCORE_ENVIRONMENT"] = "Development"; // cookies not Secure-only, so they travel over plain HTTP here
        settings["AWS_ACCESS_KEY_ID"] = EmulatorEndpoints.AccessKeyId;
        settings["AWS_SECRET_ACCESS_KEY"] = EmulatorEndpoints.SecretAccessKey;
        settings["HOME"] = Path.Combine(_folder.Path, name + "-home"); // no key ring to share through a profile
        settings["Pipeline__Local__EventSourceMappings"] = "false";
        settings["Pipeline__Sources__DummyJson__BaseUrl"] = _catalog.DummyJsonBaseUrl.ToString();
        settings["Pipeline__Scheduler__Storage"] = "Postgres";
        settings["Pipeline__Scheduler__ConnectionString"] = PostgresSchema.ConnectionString;
        settings["Pipeline__Scheduler__Schema"] = schema.Name;
        settings["Pipeline__Scheduler__PollInterval"] = "00:00:00.500";
        settings[$"Pipeline__Scheduler__Jobs__{ScheduleId}__Cron"] = "* * * * *";
        settings[$"Pipeline__Scheduler__Jobs__{ScheduleId}__Sources__0"] = "dummyjson";
        settings[$"Pipeline__Scheduler__Jobs__{ScheduleId}__RefreshWarehouse"] = "false";
        Directory.CreateDirectory(settings["HOME"]);
        return PipelineProcess.StartAsync(Path.Combine(_folder.Path, name), settings);
    }

    private static async Task<string> RunStatusAsync(HttpClient api, string runId) =>
        JsonDocument.Parse(await api.GetStringAsync($"/api/ingestions/{runId}")).RootElement.GetProperty("status").GetString()!;

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresSchema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Two_instances_share_sign_in_runs_and_schedules()
    {
        await using var one = await StartAsync("one");
        await using var two = await StartAsync("two");

        // A cookie from one is accepted by the other.
        var cookies = new CookieContainer();
        await DashboardSession.SignInAsync(one.BaseAddress, cookies);
        Assert.Equal(HttpStatusCode.OK, await DashboardSession.PageStatusAsync(two.BaseAddress, cookies.CarriedTo(one.BaseAddress, two.BaseAddress)));
        Assert.Equal(HttpStatusCode.Redirect, await DashboardSession.PageStatusAsync(two.BaseAddress, new CookieContainer()));

        // A run started on one is seen and cancelled on the other.
        using var apiOne = one.CreateApiClient();
        using var apiTwo = two.CreateApiClient();
        var runId = await apiOne.StartRunAsync("synthetic", new { count = 1000, seed = 7 });
        Assert.Contains(await RunStatusAsync(apiTwo, runId), new[] { "queued", "running" });
        using (var cancel = await apiTwo.PostAsync($"/api/ingestions/{runId}/cancel", null))
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", await RunStatusAsync(apiOne, runId));

        // The recurring job, due every minute on both servers, fires once: when its LastJobId is written, its next
        // execution has moved on in the same transaction, so neither server can fire that minute again.
        var fired = $"SELECT count(*) FROM {schema.Name}.hash WHERE key = 'recurring-job:{ScheduleId}' AND field = 'LastJobId'";
        await Eventually.WaitForAsync(() => CountAsync(fired), n => n > 0, TimeSpan.FromSeconds(90), $"schedule {ScheduleId} to fire");
        var jobs = await CountAsync(
            $"SELECT count(*) FROM {schema.Name}.jobparameter WHERE name = 'RecurringJobId' AND value IN ('{ScheduleId}', '\"{ScheduleId}\"')");
        Assert.Equal(1, jobs);
        Assert.False(one.HasExited || two.HasExited, one.RecentOutput + "\n" + two.RecentOutput);
    }
}
