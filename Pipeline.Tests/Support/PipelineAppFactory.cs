using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Web.Api;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Support;

/// <summary>
/// The real Web host (all stages, the local event-source mappings, the embedded backends) on a fresh data directory,
/// with the HTTP sources pointed at a <see cref="FixtureCatalogServer"/>.
/// </summary>
public sealed class PipelineAppFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-api-key-0123456789";
    public const string AdminUserName = "admin";
    public const string AdminPassword = "test-admin-password-0123";

    /// <summary>The hash of <see cref="AdminPassword"/>, as an operator would configure it (computed once per test run).</summary>
    public static readonly string AdminPasswordHashValue = AdminPasswordHash.Create(AdminPassword);
    private readonly Dictionary<string, string?> _settings;

    public PipelineAppFactory(FixtureCatalogServer? catalog = null, IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = DataDirectory,
            ["Pipeline:Security:ApiKeys:0"] = ApiKey,
            ["Pipeline:Security:Admin:UserName"] = AdminUserName,
            ["Pipeline:Security:Admin:PasswordHash"] = AdminPasswordHashValue,
            ["Pipeline:Local:IdleWait"] = "00:00:00.200",
            ["Pipeline:Local:RetryBaseDelay"] = "00:00:00.010",
            ["Pipeline:Sources:DummyJson:RetryDelayMs"] = "10",
            ["Pipeline:Sources:FakeStore:RetryDelayMs"] = "10",
            ["Pipeline:Sources:DummyJson:TimeoutSeconds"] = "10",
            ["Pipeline:Sources:FakeStore:TimeoutSeconds"] = "10",
        };
        if (catalog is not null)
        {
            _settings["Pipeline:Sources:DummyJson:BaseUrl"] = catalog.DummyJsonBaseUrl.ToString();
            _settings["Pipeline:Sources:FakeStore:BaseUrl"] = catalog.FakeStoreBaseUrl.ToString();
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public string DataDirectory { get; }

    /// <summary>Leave the data directory in place on dispose (a restart on the same data follows).</summary>
    public bool KeepDataDirectory { get; init; }

    /// <summary>The host environment: Development (the default) or e.g. Production to check what it insists on.</summary>
    public string EnvironmentName { get; init; } = "Development";

    /// <summary>Changes to the host's services, applied after the app's own registrations (e.g. <see cref="HeldSource.Register"/>).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>What the host logged (at the configured levels: Warning and up unless <c>Logging:LogLevel:Default</c> says otherwise).</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        // Read at registration time (before the host is built) too, e.g. Pipeline:Local:EventSourceMappings; the
        // in-memory source below, added last, still wins over the appsettings files.
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        if (ConfigureServices is { } configure) builder.ConfigureTestServices(configure);
        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddProvider(Logs);
        });
    }

    public HttpClient CreateApiClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>
    /// Waits until the host's startup recovery has read the run list, so that a run a test records by hand afterwards
    /// stays as the test left it (otherwise recovery may find it queued and plan it).
    /// </summary>
    public Task StartupRecoveryDoneAsync() =>
        Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Pipeline.Runtime.StartupRecovery>().Single().ExecuteTask
        ?? Task.CompletedTask;

    /// <summary>A client (in memory, cookies kept, redirects not followed) signed in to the dashboard as the admin.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        await DashboardSession.SignInAsync(client);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !KeepDataDirectory)
        {
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { /* DuckDB/SQLite may still hold a handle on some platforms; temp space is reclaimed later. */ }
        }
    }
}

/// <summary>REST calls the tests make, with the JSON options of the API.</summary>
public static class ApiCalls
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static async Task<string> StartRunAsync(this HttpClient client, string source, object? options = null)
    {
        var response = await client.PostAsJsonAsync("/api/ingestions", new { source, options }, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("runId").GetString()!;
    }

    public static async Task<RunDto> GetRunAsync(this HttpClient client, string runId) =>
        (await client.GetFromJsonAsync<RunDto>($"/api/ingestions/{runId}", Json))!;

    private static readonly string[] Terminal = ["succeeded", "partiallySucceeded", "failed", "cancelled"];

    /// <summary>
    /// Waits for the run to end and, when it ended with data, for the warehouse refresh it started to end too (the
    /// run's own <c>refresh</c>); returns the run as last read, with its refresh.
    /// </summary>
    public static async Task<RunDto> WaitForRunAsync(this HttpClient client, string runId, bool andRefresh = true, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var run = await Eventually.WaitForAsync(() => client.GetRunAsync(runId), r => Terminal.Contains(r.Status), limit, $"run {runId} to end");
        if (andRefresh && run.Status is "succeeded" or "partiallySucceeded")
            run = await Eventually.WaitForAsync(() => client.GetRunAsync(runId), r => r.Refresh is { } refresh && Terminal.Contains(refresh.Status),
                limit, $"the refresh after run {runId}");
        return run;
    }
}
