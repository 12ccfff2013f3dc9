using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Web.Components.Shared;

/// <summary>One record of a raw page as the transform reads it: the product it produced, or why it was rejected.</summary>
public sealed record RawPageRecord(int Index, string? SourceId, string? Title, string? ProductId, string? Rejected);

/// <summary>
/// What a raw page produced, read with the same parser as the transform (so the preview links each record to the
/// product it made), and one record's JSON, pretty-printed, for the highlighted record.
/// </summary>
public static class RawPageRecords
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<RawPageRecord> Of(RawObject raw, SourceRegistry sources)
    {
        if (raw.Bytes.Length > RawPreview.MaxParseBytes || !RawKeys.TryParse(raw.Key, out var sourceName, out _, out var runId, out _)
            || !sources.TryGet(sourceName, out var source)) return [];
        var parsed = CatalogPageParser.Parse(raw.Bytes.Span, source.Format, new ParseContext(sourceName, runId, raw.Key, raw.Metadata.FetchedAt));
        var records = parsed.Products
            .Select((p, i) => new RawPageRecord(p.RecordIndex ?? i, p.SourceId, p.Title, p.Id, null))
            .Concat(parsed.Rejections.Where(r => r.RecordIndex is not null)
                .Select(r => new RawPageRecord(r.RecordIndex!.Value, r.SourceId, null, null, r.Reason)));
        return records.OrderBy(r => r.Index).ToList();
    }

    /// <summary>Record <paramref name="index"/> of the page's product array (DummyJSON's <c>products</c>, or FakeStore's top-level array), pretty-printed; null when there is none.</summary>
    public static string? RecordJson(ReadOnlyMemory<byte> bytes, int index)
    {
        if (index < 0 || bytes.Length > RawPreview.MaxParseBytes) return null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var array = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement
                : document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("products", out var products)
                  && products.ValueKind == JsonValueKind.Array ? products
                : default;
            if (array.ValueKind != JsonValueKind.Array || index >= array.GetArrayLength()) return null;
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented)) array[index].WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
