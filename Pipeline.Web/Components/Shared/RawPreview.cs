using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Web.Components.Shared;

/// <summary>
/// A raw object's bytes as text for the preview: pretty-printed when it is JSON, and cut at a size a browser shows
/// comfortably. The text is rendered as text (Razor encodes it), never as markup.
/// </summary>
public sealed record RawPreview(string Text, bool IsJson, bool Truncated, string? Problem)
{
    public const int MaxChars = 64 * 1024;
    public const int MaxParseBytes = 8 * 1024 * 1024;

    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        // Keep the source's characters readable; the page encodes the text anyway.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static RawPreview From(ReadOnlyMemory<byte> bytes, int maxChars = MaxChars)
    {
        if (bytes.Length > MaxParseBytes)
            return Cut(Encoding.UTF8.GetString(bytes.Span[..Math.Min(bytes.Length, maxChars * 4)]), false, maxChars,
                $"{bytes.Length:N0} bytes: too large to format, shown as stored");
        try
        {
            using var document = JsonDocument.Parse(bytes);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented)) document.WriteTo(writer);
            return Cut(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), true, maxChars, null);
        }
        catch (JsonException ex)
        {
            return Cut(Encoding.UTF8.GetString(bytes.Span), false, maxChars, $"not valid JSON: {ex.Message}");
        }
    }

    private static RawPreview Cut(string text, bool json, int maxChars, string? problem) =>
        text.Length <= maxChars
            ? new RawPreview(text, json, false, problem)
            : new RawPreview(text[..maxChars], json, true, problem);
}
