using Microsoft.Extensions.Configuration;

namespace Pipeline.Core.Telemetry;

/// <summary>
/// What the standard <c>OTEL_*</c> variables (read through configuration, so environment variables and settings alike)
/// decide before the hosts wire the OpenTelemetry SDK; the SDK reads the rest (protocol, headers, resource attributes,
/// export interval) itself.
/// </summary>
public static class OtelSettings
{
    public const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "OTEL_SERVICE_NAME";
    public const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";

    /// <summary>Traces, metrics and logs go to an OTLP endpoint only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names one.</summary>
    public static bool ExportsOtlp(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[Endpoint]);
    }

    /// <summary>The host's own service name applies unless <c>OTEL_SERVICE_NAME</c> or <c>OTEL_RESOURCE_ATTRIBUTES</c> names the service.</summary>
    public static bool NamesService(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[ServiceName])
               || (configuration[ResourceAttributes] ?? "").Split(',').Any(a => a.Trim().StartsWith("service.name=", StringComparison.Ordinal));
    }
}
