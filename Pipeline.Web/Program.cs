using Pipeline.Adapters.Aws;
using Pipeline.Adapters.Google;
using Pipeline.Adapters.Local;
using Pipeline.Core.Configuration;
using Pipeline.Runtime;
using Pipeline.Web.Api;
using Pipeline.Web.Components;
using Pipeline.Web.Hosting;
using Pipeline.Web.Scheduling;
using Pipeline.Web.Security;

// `… hash-password` prints the value for Pipeline:Security:Admin:PasswordHash (README: "make the hash").
if (PasswordHashCommand.IsRequested(args)) return PasswordHashCommand.Run(Console.In, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
Program.AddParts(builder);
// One instance per embedded data directory, locked before anything in it is opened (README: "Operating").
string? inUse = null;
using var dataDirectoryLock = StartupValidation.RunsAsTheProgram && DataDirectoryLock.IsNeeded(builder.Configuration)
    ? DataDirectoryLock.TryAcquire(DataDirectoryLock.DataDirectory(builder), out inUse) : null;
if (inUse is not null)
{
    Console.Error.WriteLine(inUse); // one line, not a stack trace
    return DataDirectoryLock.InUseExitCode;
}
var app = builder.Build();
if (StartupValidation.RunsAsTheProgram && StartupValidation.Failure(app.Services) is { } failure)
{
    Console.Error.WriteLine(failure); // one line naming the setting, not a stack trace
    return StartupValidation.ConfigurationExitCode;
}
Program.UseParts(app);
app.Run();
return 0;

/// <summary>The app's parts, in order (the benchmarks' host composes the same). Also the entry point WebApplicationFactory finds.</summary>
public partial class Program
{
    public static void AddParts(WebApplicationBuilder builder)
    {
        builder.AddPipelineHostDefaults();                                // settings beside the binaries, data directory, trusted proxies
        var (services, configuration) = (builder.Services, builder.Configuration);
        services.AddPipelineTelemetry(configuration);                     // OpenTelemetry: metrics; traces, logs and OTLP when OTEL_* say so
        services.AddPipelineSecurity(configuration, builder.Environment); // sign-in, cookies, headers, rate and body limits
        services.AddPipelineCore(configuration);                          // options, sources, stages, health checks
        services.AddLocalAdapters(configuration);                         // local stream, folder raw zone, SQLite, DuckDB
        services.AddAwsAdapters(configuration);                           // Kinesis, S3, DynamoDB
        services.AddGoogleAdapters(configuration);                        // BigQuery
        services.AddPipelineRuntime(configuration);                       // queues and workers; the local event-source mappings
        services.AddPipelineScheduling(configuration);                    // Hangfire schedules
        services.AddPipelineApi(configuration);                           // REST API under /api
        services.AddPipelineDashboard();                                  // Blazor Server + MudBlazor
    }

    public static void UseParts(WebApplication app)
    {
        app.UsePipelineHostDefaults();  // forwarded headers, error page and HSTS outside Development, status code pages
        app.UsePipelineSecurity();      // security headers, path-only redirects, authentication, limits
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapPipelineHealth();        // /health
        app.MapPipelineMetrics();       // /metrics (API key)
        app.MapPipelineApi();           // /api (API key)
        app.MapPipelineScheduling();    // /hangfire
        app.MapPipelineDashboard();     // the pages (signed in)
    }
}
