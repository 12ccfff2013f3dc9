using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Pipeline.Core.Telemetry;

namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// OpenTelemetry for the functions, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set: the pipeline's spans (a
/// fetch continues the plan's trace from the stream record, a transform the fetch's from the raw object's metadata),
/// its metrics and the logs, over OTLP. A frozen Lambda sends nothing in the background, so each invocation flushes
/// before it answers (<see cref="FlushedAfterAsync{T}"/>).
/// </summary>
public static class LambdaTelemetry
{
    public const string ServiceName = "pipeline-lambdas";
    private const int FlushTimeoutMilliseconds = 5000;

    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        if (!OtelSettings.ExportsOtlp(configuration)) return;
        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!OtelSettings.NamesService(configuration)) resource.AddService(ServiceName);
            })
            .WithTracing(tracing => tracing.AddSource(PipelineTelemetry.Name).AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics.AddMeter(PipelineTelemetry.Name).AddHttpClientInstrumentation())
            .WithLogging(configureBuilder: null, configureOptions: o => o.IncludeScopes = true)
            .UseOtlpExporter();
    }

    /// <summary>Starts the providers (no host does it here); nothing when telemetry is off.</summary>
    public static void Start(IServiceProvider services)
    {
        services.GetService<TracerProvider>();
        services.GetService<MeterProvider>();
        services.GetService<LoggerProvider>();
    }

    /// <summary>Runs one invocation, then sends what it recorded before the function answers (and the runtime may freeze it).</summary>
    public static async Task<T> FlushedAfterAsync<T>(IServiceProvider services, Func<Task<T>> invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        try
        {
            return await invocation().ConfigureAwait(false);
        }
        finally
        {
            Flush(services);
        }
    }

    private static void Flush(IServiceProvider services)
    {
        services.GetService<TracerProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
        services.GetService<MeterProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
        services.GetService<LoggerProvider>()?.ForceFlush(FlushTimeoutMilliseconds);
    }
}
