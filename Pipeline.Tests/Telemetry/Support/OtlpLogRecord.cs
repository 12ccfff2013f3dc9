namespace Pipeline.Tests.Telemetry.Support;

/// <summary>A log record as an OTLP exporter sent it: the body's string, the attributes' string forms, the trace id in hex (empty outside a span).</summary>
public sealed record OtlpLogRecord(string Body, IReadOnlyDictionary<string, string> Attributes, string TraceId);
