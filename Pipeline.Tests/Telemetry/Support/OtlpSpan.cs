namespace Pipeline.Tests.Telemetry.Support;

/// <summary>A span as an OTLP exporter sent it: ids in lower-case hex (an empty parent for a root span), the string form of each attribute.</summary>
public sealed record OtlpSpan(
    string Name, string TraceId, string SpanId, string ParentSpanId, IReadOnlyDictionary<string, string> Attributes, string ServiceName)
{
    public string? Attribute(string key) => Attributes.GetValueOrDefault(key);
}
