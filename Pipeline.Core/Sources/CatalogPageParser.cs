using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>Shape of a catalog page on the wire.</summary>
public enum CatalogFormat
{
    /// <summary>Envelope <c>{products,total,skip,limit}</c>; DummyJSON and the Synthetic source.</summary>
    DummyJson,
    /// <summary>Bare array; rating is <c>{rate,count}</c>; category is a display name.</summary>
    FakeStore,
}

public sealed record ParseContext(string Source, string RunId, string RawKey, DateTimeOffset SeenAt);

/// <summary>What a page held: valid products, rejected records, and a page-level error when the page itself was unusable.</summary>
public sealed class ParseResult
{
    public List<Product> Products { get; } = [];
    public List<Rejection> Rejections { get; } = [];
    /// <summary>Records seen (valid + rejected).</summary>
    public int RecordCount { get; internal set; }
    /// <summary>Set when the page as a whole could not be read (malformed JSON, wrong envelope); no product is kept then.</summary>
    public string? PageError { get; internal set; }
    /// <summary>The envelope's <c>total</c>, when the format has one.</summary>
    public int? Total { get; internal set; }
}

/// <summary>
/// Streaming parser and validator for catalog pages: one pass of <see cref="Utf8JsonReader"/> over the page bytes, no DOM.
/// Unknown properties are skipped; a record with a wrong type or a missing required field is rejected with its reason
/// and the rest of the page goes on.
/// </summary>
public static class CatalogPageParser
{
    public const int MaxTitleLength = 1000;
    public const decimal MaxPrice = 100_000_000m;

    public static ParseResult Parse(ReadOnlySpan<byte> json, CatalogFormat format, ParseContext context)
    {
        var result = new ParseResult();
        if (json.StartsWith("\uFEFF"u8)) json = json[3..];
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        try
        {
            if (!reader.Read()) throw new JsonException("the page is empty");
            if (format == CatalogFormat.DummyJson)
                ParseEnvelope(ref reader, format, context, result);
            else if (reader.TokenType == JsonTokenType.StartArray)
                ParseArray(ref reader, format, context, result);
            else
                throw new JsonException($"expected a JSON array of products but found {Describe(reader.TokenType)}");
            if (reader.Read()) throw new JsonException("unexpected data after the end of the page");
        }
        catch (JsonException ex)
        {
            FailPage(result, context, $"malformed page: {ex.Message}");
        }
        return result;
    }

    private static void FailPage(ParseResult result, ParseContext context, string reason)
    {
        result.Products.Clear();
        result.Rejections.Clear();
        result.RecordCount = 0;
        result.PageError = reason;
        result.Rejections.Add(new Rejection
        {
            RunId = context.RunId, Source = context.Source, RawKey = context.RawKey, Reason = reason, RejectedAt = context.SeenAt,
        });
    }

    private static void ParseEnvelope(ref Utf8JsonReader reader, CatalogFormat format, ParseContext context, ParseResult result)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"expected the envelope object {{products,total,skip,limit}} but found {Describe(reader.TokenType)}");
        var sawProducts = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("products"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new JsonException($"'products' must be an array but is {Describe(reader.TokenType)}");
                ParseArray(ref reader, format, context, result);
                sawProducts = true;
            }
            else if (reader.ValueTextEquals("total"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var total)) result.Total = total;
                else reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("the envelope is not closed");
        if (!sawProducts) throw new JsonException("the envelope has no 'products' array");
    }

    private static void ParseArray(ref Utf8JsonReader reader, CatalogFormat format, ParseContext context, ParseResult result)
    {
        var index = 0;
        var draft = new Draft();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            result.RecordCount++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Reject(result, context, index, null, $"record is {Describe(reader.TokenType)}, not an object");
                reader.Skip();
            }
            else
            {
                draft.Reset();
                ReadRecord(ref reader, format, draft);
                string? error = draft.Error;
                if (error is null && TryBuild(draft, format, context, out var product, out error))
                    result.Products.Add(product);
                else
                    Reject(result, context, index, draft.SourceId, error ?? "invalid record");
            }
            index++;
        }
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("the product array is not closed");
    }

    private static void Reject(ParseResult result, ParseContext context, int index, string? sourceId, string reason) =>
        result.Rejections.Add(new Rejection
        {
            RunId = context.RunId,
            Source = context.Source,
            RawKey = context.RawKey,
            RecordIndex = index,
            SourceId = sourceId,
            Reason = reason,
            RejectedAt = context.SeenAt,
        });

    private sealed class Draft
    {
        public string? SourceId, Title, Description, Category, Brand, Availability, Sku, Thumbnail, Error;
        public decimal? Price, Discount, Rating;
        public int? Stock;
        public List<string>? Tags;

        public void Reset()
        {
            SourceId = Title = Description = Category = Brand = Availability = Sku = Thumbnail = Error = null;
            Price = Discount = Rating = null;
            Stock = null;
            Tags = null;
        }

        public void Fail(string message) => Error ??= message;
    }

    private static void ReadRecord(ref Utf8JsonReader reader, CatalogFormat format, Draft d)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Compare the raw property name once, then move to its value.
            if (reader.ValueTextEquals("id"u8)) { reader.Read(); d.SourceId = ReadId(ref reader, d); }
            else if (reader.ValueTextEquals("title"u8)) { reader.Read(); d.Title = ReadString(ref reader, d, "title"); }
            else if (reader.ValueTextEquals("description"u8)) { reader.Read(); d.Description = ReadString(ref reader, d, "description"); }
            else if (reader.ValueTextEquals("category"u8)) { reader.Read(); d.Category = ReadString(ref reader, d, "category"); }
            else if (reader.ValueTextEquals("price"u8)) { reader.Read(); d.Price = ReadDecimal(ref reader, d, "price"); }
            else if (reader.ValueTextEquals("rating"u8))
            {
                reader.Read();
                if (format == CatalogFormat.FakeStore && reader.TokenType == JsonTokenType.StartObject) d.Rating = ReadFakeStoreRating(ref reader, d);
                else d.Rating = ReadDecimal(ref reader, d, "rating");
            }
            else if (format == CatalogFormat.FakeStore && reader.ValueTextEquals("image"u8)) { reader.Read(); d.Thumbnail = ReadString(ref reader, d, "image"); }
            else if (format == CatalogFormat.DummyJson && reader.ValueTextEquals("thumbnail"u8)) { reader.Read(); d.Thumbnail = ReadString(ref reader, d, "thumbnail"); }
            else if (reader.ValueTextEquals("discountPercentage"u8)) { reader.Read(); d.Discount = ReadDecimal(ref reader, d, "discountPercentage"); }
            else if (reader.ValueTextEquals("stock"u8)) { reader.Read(); d.Stock = ReadInt(ref reader, d, "stock"); }
            else if (reader.ValueTextEquals("brand"u8)) { reader.Read(); d.Brand = ReadString(ref reader, d, "brand"); }
            else if (reader.ValueTextEquals("sku"u8)) { reader.Read(); d.Sku = ReadString(ref reader, d, "sku"); }
            else if (reader.ValueTextEquals("availabilityStatus"u8)) { reader.Read(); d.Availability = ReadString(ref reader, d, "availabilityStatus"); }
            else if (reader.ValueTextEquals("tags"u8)) { reader.Read(); d.Tags = ReadTags(ref reader, d); }
            else { reader.Read(); reader.Skip(); }
        }
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("a product record is not closed");
    }

    private static string? ReadId(ref Utf8JsonReader reader, Draft d)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetInt64(out var id) && id > 0:
                return id.ToString(CultureInfo.InvariantCulture);
            case JsonTokenType.String:
                var s = reader.GetString();
                if (!string.IsNullOrWhiteSpace(s) && s.Length <= 128 && !s.Contains(':')) return s.Trim();
                d.Fail("'id' must be a positive integer or a short string without ':'");
                return null;
            default:
                d.Fail($"'id' must be a positive integer but is {Describe(reader.TokenType)}");
                reader.Skip();
                return null;
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, Draft d, string field)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        if (reader.TokenType != JsonTokenType.Null) d.Fail($"'{field}' must be a string but is {Describe(reader.TokenType)}");
        reader.Skip();
        return null;
    }

    private static decimal? ReadDecimal(ref Utf8JsonReader reader, Draft d, string field)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetDecimal(out var value)) return value;
            d.Fail($"'{field}' is out of range");
            return null;
        }
        if (reader.TokenType != JsonTokenType.Null) d.Fail($"'{field}' must be a number but is {Describe(reader.TokenType)}");
        reader.Skip();
        return null;
    }

    private static int? ReadInt(ref Utf8JsonReader reader, Draft d, string field)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt32(out var value)) return value;
            d.Fail($"'{field}' must be a whole number");
            return null;
        }
        if (reader.TokenType != JsonTokenType.Null) d.Fail($"'{field}' must be a number but is {Describe(reader.TokenType)}");
        reader.Skip();
        return null;
    }

    private static decimal? ReadFakeStoreRating(ref Utf8JsonReader reader, Draft d)
    {
        decimal? rate = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("rate"u8)) { reader.Read(); rate = ReadDecimal(ref reader, d, "rating.rate"); }
            else { reader.Read(); reader.Skip(); }
        }
        return rate;
    }

    private static List<string>? ReadTags(ref Utf8JsonReader reader, Draft d)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            if (reader.TokenType != JsonTokenType.Null) d.Fail($"'tags' must be an array but is {Describe(reader.TokenType)}");
            reader.Skip();
            return null;
        }
        var tags = new List<string>(4);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String) tags.Add(reader.GetString()!);
            else { d.Fail("'tags' must hold strings"); reader.Skip(); }
        }
        return tags;
    }

    private static bool TryBuild(Draft d, CatalogFormat format, ParseContext ctx, out Product product, out string? error)
    {
        product = null!;
        error = Validate(d, out var category);
        if (error is not null) return false;

        var title = d.Title!.Trim();
        var brand = string.IsNullOrWhiteSpace(d.Brand) ? null : d.Brand.Trim();
        var availability = format == CatalogFormat.FakeStore
            ? "unknown"
            : string.IsNullOrWhiteSpace(d.Availability) ? (d.Stock is 0 ? "out-of-stock" : "unknown") : Slug.From(d.Availability);
        var tags = (IReadOnlyList<string>?)d.Tags ?? [];
        var description = d.Description?.Trim();
        var sku = string.IsNullOrWhiteSpace(d.Sku) ? null : d.Sku;
        var thumbnail = string.IsNullOrWhiteSpace(d.Thumbnail) ? null : d.Thumbnail;
        // The hash is computed from the same fields before the product is built, so the product is built once.
        var hash = ContentHash.Of(ctx.Source, d.SourceId!, title, description, category, brand, d.Price!.Value, d.Discount, d.Rating,
            d.Stock, availability, tags, sku, thumbnail);
        product = new Product
        {
            Source = ctx.Source,
            SourceId = d.SourceId!,
            Title = title,
            Description = description,
            Category = category,
            Brand = brand,
            Price = d.Price!.Value,
            DiscountPercentage = d.Discount,
            Rating = d.Rating,
            Stock = d.Stock,
            Availability = availability,
            Tags = tags,
            Sku = sku,
            Thumbnail = thumbnail,
            ContentHash = hash,
            FirstSeen = ctx.SeenAt,
            LastSeen = ctx.SeenAt,
            LastChanged = ctx.SeenAt,
            LastRunId = ctx.RunId,
        };
        return true;
    }

    private static string? Validate(Draft d, out string category)
    {
        category = "";
        if (d.SourceId is null) return "missing required field 'id'";
        if (d.Title is null) return "missing required field 'title'";
        if (string.IsNullOrWhiteSpace(d.Title)) return "'title' is empty";
        if (d.Title.Length > MaxTitleLength) return $"'title' is longer than {MaxTitleLength} characters";
        if (d.Category is null) return "missing required field 'category'";
        if (string.IsNullOrWhiteSpace(d.Category) || (category = Slug.From(d.Category)).Length == 0) return "'category' is empty";
        if (d.Price is null) return "missing required field 'price'";
        if (d.Price < 0) return "'price' is negative";
        if (d.Price > MaxPrice) return $"'price' is above {MaxPrice.ToString(CultureInfo.InvariantCulture)}";
        if (d.Rating is < 0 or > 5) return "'rating' must be between 0 and 5";
        if (d.Stock is < 0) return "'stock' is negative";
        if (d.Discount is < 0 or > 100) return "'discountPercentage' must be between 0 and 100";
        return null;
    }

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}

/// <summary>Category and status names to URL-safe slugs: "men's clothing" → "mens-clothing", "In Stock" → "in-stock".</summary>
public static class Slug
{
    public static string From(string value)
    {
        Span<char> buffer = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
        var length = 0;
        var pendingDash = false;
        foreach (var raw in value)
        {
            if (raw is '\'' or '’') continue;
            var ch = char.ToLowerInvariant(raw);
            if (char.IsAsciiLetterOrDigit(ch))
            {
                if (pendingDash && length > 0) buffer[length++] = '-';
                pendingDash = false;
                buffer[length++] = ch;
            }
            else pendingDash = true;
        }
        return new string(buffer[..length]);
    }
}

/// <summary>Hash of a product's normalised content (not its timestamps): equal hash, nothing changed.</summary>
public static class ContentHash
{
    /// <summary>Longest text of a <see cref="decimal"/> (sign, 29 digits, point) and of an <see cref="int"/>.</summary>
    private const int MaxDecimalChars = 31, MaxIntChars = 11;

    public static string Of(Product p) =>
        Of(p.Source, p.SourceId, p.Title, p.Description, p.Category, p.Brand, p.Price, p.DiscountPercentage, p.Rating, p.Stock,
            p.Availability, p.Tags, p.Sku, p.Thumbnail);

    /// <summary>
    /// SHA-256 (first 16 bytes, lower-case hex) of the UTF-8 of the fields joined by U+001F, tags joined by U+001E, decimals
    /// in <see cref="Canonical"/> form. Each piece is encoded straight into one pooled buffer (separators keep pieces apart,
    /// so the bytes are those of the joined text).
    /// </summary>
    internal static string Of(string source, string sourceId, string title, string? description, string category, string? brand,
        decimal price, decimal? discount, decimal? rating, int? stock, string? availability, IReadOnlyList<string> tags,
        string? sku, string? thumbnail)
    {
        var chars = source.Length + sourceId.Length + title.Length + (description?.Length ?? 0) + category.Length + (brand?.Length ?? 0)
                    + 3 * MaxDecimalChars + MaxIntChars + (availability?.Length ?? 0) + (sku?.Length ?? 0) + (thumbnail?.Length ?? 0) + 13;
        foreach (var tag in tags) chars += tag.Length + 1;
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars));
        try
        {
            var text = new Utf8Text(rented);
            text.Append(source); text.Separator();
            text.Append(sourceId); text.Separator();
            text.Append(title); text.Separator();
            text.Append(description); text.Separator();
            text.Append(category); text.Separator();
            text.Append(brand); text.Separator();
            text.Append(price); text.Separator();
            text.Append(discount); text.Separator();
            text.Append(rating); text.Separator();
            text.Append(stock); text.Separator();
            text.Append(availability); text.Separator();
            for (var i = 0; i < tags.Count; i++)
            {
                if (i > 0) text.TagSeparator();
                text.Append(tags[i]);
            }
            text.Separator();
            text.Append(sku); text.Separator();
            text.Append(thumbnail);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(text.Written, hash);
            return Convert.ToHexStringLower(hash[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decimal without trailing zeros, so 695 and 695.00 hash alike.</summary>
    public static string Canonical(decimal? value) =>
        value is null ? "" : (value.Value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private ref struct Utf8Text(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Separator() => _buffer[_length++] = 0x1F;

        public void TagSeparator() => _buffer[_length++] = 0x1E;

        public void Append(string? value)
        {
            if (value is not null) _length += Encoding.UTF8.GetBytes(value, _buffer[_length..]);
        }

        public void Append(int? value)
        {
            if (value is null) return;
            value.Value.TryFormat(_buffer[_length..], out var written, default, CultureInfo.InvariantCulture);
            _length += written;
        }

        /// <summary><see cref="Canonical"/>'s text: the invariant text with the fraction's trailing zeros (and a bare point) removed.</summary>
        public void Append(decimal? value)
        {
            if (value is null) return;
            if (value.Value == 0m)
            {
                Append(Canonical(value)); // zero (and its signed and scaled forms): exactly as Canonical writes it
                return;
            }
            var target = _buffer[_length..];
            value.Value.TryFormat(target, out var written, default, CultureInfo.InvariantCulture);
            if (target[..written].IndexOf((byte)'.') >= 0)
            {
                while (target[written - 1] == (byte)'0') written--;
                if (target[written - 1] == (byte)'.') written--;
            }
            _length += written;
        }
    }
}
