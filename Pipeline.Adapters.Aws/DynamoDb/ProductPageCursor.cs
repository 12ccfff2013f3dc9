using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// The opaque page token of <see cref="DynamoDbProductStore.QueryAsync"/>: which index and partition it belongs to,
/// the index position of a boundary item (its id and sort value), and whether the page lies after it (next) or before
/// it (previous). Encoded as base64url JSON.
/// </summary>
internal sealed record ProductPageCursor(
    [property: JsonPropertyName("i")] string Index,
    [property: JsonPropertyName("p")] string Partition,
    [property: JsonPropertyName("b")] bool Before,
    [property: JsonPropertyName("k")] string Id,
    [property: JsonPropertyName("s")] string Sort)
{
    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this, DynamoDbJsonContext.Default.ProductPageCursor));

    /// <summary>Decodes a token; throws <see cref="FormatException"/> for anything that is not one of ours.</summary>
    public static ProductPageCursor Decode(string token)
    {
        try
        {
            var cursor = JsonSerializer.Deserialize(Base64Url.DecodeFromChars(token), DynamoDbJsonContext.Default.ProductPageCursor);
            if (cursor is { Index.Length: > 0, Partition: not null, Id.Length: > 0, Sort: not null }) return cursor;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new FormatException("The page token is not valid.", e);
        }
        throw new FormatException("The page token is not valid.");
    }
}
