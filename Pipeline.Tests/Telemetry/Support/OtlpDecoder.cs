using System.Globalization;

namespace Pipeline.Tests.Telemetry.Support;

/// <summary>
/// Reads OTLP/HTTP protobuf requests (field numbers from the .proto files in ../shared/fixtures/otlp): the spans of an
/// ExportTraceServiceRequest, the log records of an ExportLogsServiceRequest, the metric names of an
/// ExportMetricsServiceRequest. Attribute values are kept as strings (ints and bools formatted, arrays left out).
/// </summary>
public static class OtlpDecoder
{
    /// <summary>ExportTraceServiceRequest.resource_spans(1) → ResourceSpans{resource(1), scope_spans(2) → ScopeSpans{spans(2)}}.</summary>
    public static List<OtlpSpan> Spans(ReadOnlySpan<byte> request)
    {
        var spans = new List<OtlpSpan>();
        var reader = new ProtoReader(request);
        while (reader.Next())
        {
            if (reader.Field != 1) continue;
            var resourceSpans = new ProtoReader(reader.Bytes);
            var service = "";
            var found = new List<OtlpSpan>();
            while (resourceSpans.Next())
            {
                if (resourceSpans.Field == 1) service = ServiceName(resourceSpans.Bytes);
                else if (resourceSpans.Field == 2)
                {
                    var scopeSpans = new ProtoReader(resourceSpans.Bytes);
                    while (scopeSpans.Next())
                        if (scopeSpans.Field == 2) found.Add(Span(scopeSpans.Bytes));
                }
            }
            spans.AddRange(found.Select(s => s with { ServiceName = service }));
        }
        return spans;
    }

    /// <summary>Span{trace_id(1), span_id(2), parent_span_id(4), name(5), attributes(9)}.</summary>
    private static OtlpSpan Span(ReadOnlySpan<byte> message)
    {
        string name = "", traceId = "", spanId = "", parent = "";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: traceId = Convert.ToHexStringLower(reader.Bytes); break;
                case 2: spanId = Convert.ToHexStringLower(reader.Bytes); break;
                case 4: parent = Convert.ToHexStringLower(reader.Bytes); break;
                case 5: name = reader.String; break;
                case 9: AddAttribute(attributes, reader.Bytes); break;
            }
        }
        return new OtlpSpan(name, traceId, spanId, parent, attributes, "");
    }

    /// <summary>ExportLogsServiceRequest.resource_logs(1) → ResourceLogs{scope_logs(2) → ScopeLogs{log_records(2)}}.</summary>
    public static List<OtlpLogRecord> LogRecords(ReadOnlySpan<byte> request)
    {
        var records = new List<OtlpLogRecord>();
        foreach (var scopeLogs in Nested(request, 1, 2))
        {
            var reader = new ProtoReader(scopeLogs);
            while (reader.Next())
                if (reader.Field == 2) records.Add(LogRecord(reader.Bytes));
        }
        return records;
    }

    /// <summary>LogRecord{body(5), attributes(6), trace_id(9)}.</summary>
    private static OtlpLogRecord LogRecord(ReadOnlySpan<byte> message)
    {
        string body = "", traceId = "";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 5: body = AnyValue(reader.Bytes) ?? ""; break;
                case 6: AddAttribute(attributes, reader.Bytes); break;
                case 9: traceId = Convert.ToHexStringLower(reader.Bytes); break;
            }
        }
        return new OtlpLogRecord(body, attributes, traceId);
    }

    /// <summary>ExportMetricsServiceRequest.resource_metrics(1) → ResourceMetrics{scope_metrics(2) → ScopeMetrics{metrics(2) → Metric{name(1)}}}.</summary>
    public static List<string> MetricNames(ReadOnlySpan<byte> request)
    {
        var names = new List<string>();
        foreach (var scopeMetrics in Nested(request, 1, 2))
        {
            var reader = new ProtoReader(scopeMetrics);
            while (reader.Next())
            {
                if (reader.Field != 2) continue;
                var metric = new ProtoReader(reader.Bytes);
                while (metric.Next())
                    if (metric.Field == 1) names.Add(metric.String);
            }
        }
        return names;
    }

    /// <summary>The messages at field <paramref name="inner"/> of each message at field <paramref name="outer"/> (copied: a span cannot be yielded).</summary>
    private static List<byte[]> Nested(ReadOnlySpan<byte> request, int outer, int inner)
    {
        var found = new List<byte[]>();
        var reader = new ProtoReader(request);
        while (reader.Next())
        {
            if (reader.Field != outer) continue;
            var resource = new ProtoReader(reader.Bytes);
            while (resource.Next())
                if (resource.Field == inner) found.Add(resource.Bytes.ToArray());
        }
        return found;
    }

    /// <summary>Resource{attributes(1)}: the value of <c>service.name</c>.</summary>
    private static string ServiceName(ReadOnlySpan<byte> resource)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtoReader(resource);
        while (reader.Next())
            if (reader.Field == 1) AddAttribute(attributes, reader.Bytes);
        return attributes.GetValueOrDefault("service.name", "");
    }

    /// <summary>KeyValue{key(1), value(2): AnyValue}.</summary>
    private static void AddAttribute(Dictionary<string, string> attributes, ReadOnlySpan<byte> keyValue)
    {
        string? key = null, value = null;
        var reader = new ProtoReader(keyValue);
        while (reader.Next())
        {
            if (reader.Field == 1) key = reader.String;
            else if (reader.Field == 2) value = AnyValue(reader.Bytes);
        }
        if (key is not null && value is not null) attributes[key] = value;
    }

    /// <summary>AnyValue{string_value(1), bool_value(2), int_value(3), double_value(4)}; null for the other kinds.</summary>
    private static string? AnyValue(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: return reader.String;
                case 2: return reader.Number != 0 ? "true" : "false";
                case 3: return ((long)reader.Number).ToString(CultureInfo.InvariantCulture);
                case 4: return BitConverter.UInt64BitsToDouble(reader.Number).ToString(CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}
