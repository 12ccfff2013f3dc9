using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pipeline.Core.Telemetry;

namespace Pipeline.Web.Hosting;

/// <summary>
/// OpenTelemetry for the app. Metrics always (the pipeline's meter, ASP.NET Core, HttpClient, runtime), for
/// <c>GET /metrics</c>; traces and logs, and every signal's OTLP export, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// is set (protocol, resource and interval from the other standard <c>OTEL_*</c> variables). JSON console logs
/// (<c>Logging__Console__FormatterName=json</c>) carry the logging scopes, so each stage's lines carry the run id.
/// </summary>
public static class TelemetryRegistration
{
    public const string ServiceName = "pipeline-web";

    public static IServiceCollection AddPipelineTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!OtelSettings.NamesService(configuration)) resource.AddService(ServiceName);
            })
            .WithMetrics(metrics => metrics
                .AddMeter(PipelineTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        if (OtelSettings.ExportsOtlp(configuration))
        {
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(PipelineTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsNoise(context.Request.Path))
                    .AddHttpClientInstrumentation())
                .WithLogging(configureBuilder: null, configureOptions: o =>
                {
                    o.IncludeScopes = true;
                    o.IncludeFormattedMessage = true;
                })
                .UseOtlpExporter();
        }
        return services;
    }

    /// <summary>Requests not worth a trace: scrapes, probes, static files and the Blazor circuit's own traffic.</summary>
    private static bool IsNoise(PathString path) =>
        path.StartsWithSegments(MetricsEndpoint.Path) || path.StartsWithSegments("/health") || path.StartsWithSegments("/_blazor")
        || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content");
}
