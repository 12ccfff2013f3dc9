using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Unicode;
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
        public string? SourceId, Title, Description, Category, CategorySlug, Brand, Availability, AvailabilitySlug, Sku, Thumbnail, Error;
        public decimal? Price, Discount, Rating;
        public int? Stock;
        /// <summary>Whether the record had a <c>tags</c> array; its strings are in <see cref="TagBuffer"/>, reused between records.</summary>
        public bool HasTags;
        public readonly List<string> TagBuffer = new(8);

        public void Reset()
        {
            SourceId = Title = Description = Category = CategorySlug = Brand = Availability = AvailabilitySlug = Sku = Thumbnail = Error = null;
            Price = Discount = Rating = null;
            Stock = null;
            HasTags = false;
            TagBuffer.Clear();
        }

        public void Fail(string message) => Error ??= message;
    }

    /// <summary>The fields a record can hold, found from the property name's bytes.</summary>
    private enum Field { Unknown, Id, Title, Description, Category, Price, Rating, Image, Thumbnail, Discount, Stock, Brand, Sku, Availability, Tags }

    /// <summary>Longest escaped property name that can still unescape to a known one (the longest known name is 18 bytes; an escape is ≤ 6 bytes a byte).</summary>
    private const int MaxEscapedNameLength = 6 * 18;

    private static Field FieldOf(ref Utf8JsonReader reader, CatalogFormat format)
    {
        if (!reader.ValueIsEscaped) return FieldNamed(reader.ValueSpan, format);
        if (reader.ValueSpan.Length > MaxEscapedNameLength) return Field.Unknown;
        Span<byte> unescaped = stackalloc byte[MaxEscapedNameLength];
        return FieldNamed(unescaped[..reader.CopyString(unescaped)], format);
    }

    private static Field FieldNamed(ReadOnlySpan<byte> name, CatalogFormat format)
    {
        switch (name.Length)
        {
            case 2: return name.SequenceEqual("id"u8) ? Field.Id : Field.Unknown;
            case 3: return name.SequenceEqual("sku"u8) ? Field.Sku : Field.Unknown;
            case 4: return name.SequenceEqual("tags"u8) ? Field.Tags : Field.Unknown;
            case 5:
                if (name.SequenceEqual("title"u8)) return Field.Title;
                if (name.SequenceEqual("price"u8)) return Field.Price;
                if (name.SequenceEqual("stock"u8)) return Field.Stock;
                if (name.SequenceEqual("brand"u8)) return Field.Brand;
                return format == CatalogFormat.FakeStore && name.SequenceEqual("image"u8) ? Field.Image : Field.Unknown;
            case 6: return name.SequenceEqual("rating"u8) ? Field.Rating : Field.Unknown;
            case 8: return name.SequenceEqual("category"u8) ? Field.Category : Field.Unknown;
            case 9: return format == CatalogFormat.DummyJson && name.SequenceEqual("thumbnail"u8) ? Field.Thumbnail : Field.Unknown;
            case 11: return name.SequenceEqual("description"u8) ? Field.Description : Field.Unknown;
            case 18:
                if (name.SequenceEqual("discountPercentage"u8)) return Field.Discount;
                return name.SequenceEqual("availabilityStatus"u8) ? Field.Availability : Field.Unknown;
            default: return Field.Unknown;
        }
    }

    private static void ReadRecord(ref Utf8JsonReader reader, CatalogFormat format, Draft d)
    {
        var cache = RepeatedStrings.ForThisThread;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Find the field from the raw property name once, then move to its value.
            var field = FieldOf(ref reader, format);
            reader.Read();
            switch (field)
            {
                case Field.Id: d.SourceId = ReadId(ref reader, d); break;
                case Field.Title: d.Title = ReadString(ref reader, d, "title"); break;
                case Field.Description: d.Description = ReadString(ref reader, d, "description"); break;
                case Field.Category:
                    (d.Category, d.CategorySlug) = ReadRepeatedString(ref reader, d, "category", cache, slug: true);
                    break;
                case Field.Price: d.Price = ReadDecimal(ref reader, d, "price"); break;
                case Field.Rating:
                    if (format == CatalogFormat.FakeStore && reader.TokenType == JsonTokenType.StartObject) d.Rating = ReadFakeStoreRating(ref reader, d);
                    else d.Rating = ReadDecimal(ref reader, d, "rating");
                    break;
                case Field.Image: d.Thumbnail = ReadString(ref reader, d, "image"); break;
                case Field.Thumbnail: d.Thumbnail = ReadString(ref reader, d, "thumbnail"); break;
                case Field.Discount: d.Discount = ReadDecimal(ref reader, d, "discountPercentage"); break;
                case Field.Stock: d.Stock = ReadInt(ref reader, d, "stock"); break;
                case Field.Brand: d.Brand = ReadRepeatedString(ref reader, d, "brand", cache, slug: false).Value; break;
                case Field.Sku: d.Sku = ReadString(ref reader, d, "sku"); break;
                case Field.Availability:
                    (d.Availability, d.AvailabilitySlug) = ReadRepeatedString(ref reader, d, "availabilityStatus", cache, slug: true);
                    break;
                case Field.Tags: ReadTags(ref reader, d, cache); break;
                default: reader.Skip(); break;
            }
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

    /// <summary>A string that repeats across records (category, brand, status, tag): the same string instance, and its slug, for the same bytes.</summary>
    private static (string? Value, string? Slug) ReadRepeatedString(ref Utf8JsonReader reader, Draft d, string field, RepeatedStrings cache, bool slug)
    {
        if (reader.TokenType == JsonTokenType.String) return cache.Get(ref reader, slug);
        return (ReadString(ref reader, d, field), null);
    }

    private static decimal? ReadDecimal(ref Utf8JsonReader reader, Draft d, string field)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (TryReadPlainDecimal(reader.ValueSpan, out var value) || reader.TryGetDecimal(out value)) return value;
            d.Fail($"'{field}' is out of range");
            return null;
        }
        if (reader.TokenType != JsonTokenType.Null) d.Fail($"'{field}' must be a number but is {Describe(reader.TokenType)}");
        reader.Skip();
        return null;
    }

    /// <summary>
    /// The common number shape (digits, maybe a point and more digits; no sign, no exponent, at most 18 digits) read
    /// straight into a decimal, with the scale the text has ("695.00" keeps two places), as <see cref="Utf8JsonReader.TryGetDecimal"/>
    /// reads it; anything else is left to the reader.
    /// </summary>
    internal static bool TryReadPlainDecimal(ReadOnlySpan<byte> number, out decimal value)
    {
        value = 0m;
        if (number.Length > 19) return false;
        ulong mantissa = 0;
        var digits = 0;
        var scale = -1;
        foreach (var b in number)
        {
            if (b == (byte)'.')
            {
                if (scale >= 0) return false;
                scale = 0;
                continue;
            }
            var digit = (uint)(b - '0');
            if (digit > 9) return false;
            mantissa = mantissa * 10 + digit;
            digits++;
            if (scale >= 0) scale++;
        }
        if (digits == 0 || digits > 18 || scale == 0) return false;
        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, false, (byte)Math.Max(scale, 0));
        return true;
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

    private static void ReadTags(ref Utf8JsonReader reader, Draft d, RepeatedStrings cache)
    {
        d.TagBuffer.Clear();
        d.HasTags = false;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            if (reader.TokenType != JsonTokenType.Null) d.Fail($"'tags' must be an array but is {Describe(reader.TokenType)}");
            reader.Skip();
            return;
        }
        d.HasTags = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String) d.TagBuffer.Add(cache.Get(ref reader, slug: false).Value);
            else { d.Fail("'tags' must hold strings"); reader.Skip(); }
        }
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
            : string.IsNullOrWhiteSpace(d.Availability) ? (d.Stock is 0 ? "out-of-stock" : "unknown") : d.AvailabilitySlug ?? Slug.From(d.Availability);
        IReadOnlyList<string> tags = d.HasTags && d.TagBuffer.Count > 0 ? d.TagBuffer.ToArray() : [];
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
        if (string.IsNullOrWhiteSpace(d.Category) || (category = d.CategorySlug ?? Slug.From(d.Category)).Length == 0) return "'category' is empty";
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

/// <summary>
/// Strings that repeat across records (categories, brands, statuses, tags), kept per thread by their UTF-8 bytes so that
/// a page of products shares one string instance (and one slug) per distinct value instead of allocating each again.
/// Direct-mapped and bounded: 256 slots of values up to 64 bytes; a collision only costs a new string.
/// </summary>
internal sealed class RepeatedStrings
{
    private const int Slots = 256, MaxBytes = 64;

    [ThreadStatic] private static RepeatedStrings? _forThisThread;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string[] _values = new string[Slots];
    private readonly string?[] _slugs = new string?[Slots];

    public static RepeatedStrings ForThisThread => _forThisThread ??= new RepeatedStrings();

    /// <summary>The string token's value (as <see cref="Utf8JsonReader.GetString"/> gives it) and, when asked, its <see cref="Slug"/>.</summary>
    public (string Value, string? Slug) Get(ref Utf8JsonReader reader, bool slug)
    {
        var bytes = reader.ValueSpan;
        if (reader.ValueIsEscaped || bytes.Length > MaxBytes)
        {
            var value = reader.GetString()!;
            return (value, slug ? Slug.From(value) : null);
        }
        if (bytes.IsEmpty) return ("", slug ? "" : null);
        // A cheap slot from the length and three bytes: a collision only costs a new string.
        var slot = (bytes.Length * 31 + bytes[0] * 7 + bytes[bytes.Length / 2] * 3 + bytes[^1]) & (Slots - 1);
        if (_keys[slot] is { } key && bytes.SequenceEqual(key))
        {
            if (slug) return (_values[slot], _slugs[slot] ??= Slug.From(_values[slot]));
            return (_values[slot], null);
        }
        // GetString, not a plain decode, so that a value the reader would refuse is refused alike.
        var created = reader.GetString()!;
        _keys[slot] = bytes.ToArray();
        _values[slot] = created;
        _slugs[slot] = slug ? Slug.From(created) : null;
        return (created, _slugs[slot]);
    }
}

/// <summary>Hash of a product's normalised content (not its timestamps): equal hash, nothing changed.</summary>
public static class ContentHash
{
    /// <summary>Longest text of a <see cref="decimal"/> (sign, 29 digits, point, "0.") and of an <see cref="int"/>.</summary>
    private const int MaxDecimalChars = 32, MaxIntChars = 11;

    /// <summary>Bytes of a length prefix; a null field is the prefix -1 alone.</summary>
    private const int Prefix = sizeof(int);

    /// <summary>Inputs up to this size are written into a buffer kept per thread; larger ones into a new array.</summary>
    private const int ThreadBufferBytes = 16 * 1024;

    [ThreadStatic] private static byte[]? _buffer;

    public static string Of(Product p) =>
        Of(p.Source, p.SourceId, p.Title, p.Description, p.Category, p.Brand, p.Price, p.DiscountPercentage, p.Rating, p.Stock,
            p.Availability, p.Tags, p.Sku, p.Thumbnail);

    /// <summary>
    /// XXH128 (System.IO.Hashing, seed 0; lower-case hex of its 16 bytes) of the fields in this order, each written as a
    /// 32-bit little-endian byte length and its UTF-8 (a null field: the length -1 and nothing else): source, source id,
    /// title, description, category, brand, price, discount, rating (decimals in <see cref="Canonical"/> text), stock
    /// (invariant text), availability, then the number of tags and each tag, then sku and thumbnail. The length prefixes
    /// make the encoding one-to-one: no two different contents give the same bytes (null and "" differ; a separator
    /// inside a value cannot move a boundary), so equal hash ⇔ equal content, up to the 128-bit hash's collisions.
    /// </summary>
    internal static string Of(string source, string sourceId, string title, string? description, string category, string? brand,
        decimal price, decimal? discount, decimal? rating, int? stock, string? availability, IReadOnlyList<string> tags,
        string? sku, string? thumbnail)
    {
        var max = MaxBytes(source) + MaxBytes(sourceId) + MaxBytes(title) + MaxBytes(description) + MaxBytes(category) + MaxBytes(brand)
                  + 3 * (Prefix + MaxDecimalChars) + Prefix + MaxIntChars + MaxBytes(availability) + Prefix + MaxBytes(sku) + MaxBytes(thumbnail);
        for (var i = 0; i < tags.Count; i++) max += MaxBytes(tags[i]);
        var buffer = max <= ThreadBufferBytes ? (_buffer ??= new byte[ThreadBufferBytes]) : new byte[max];
        var w = new FieldWriter(buffer);
        w.Write(source);
        w.Write(sourceId);
        w.Write(title);
        w.Write(description);
        w.Write(category);
        w.Write(brand);
        w.Write(price);
        w.Write(discount);
        w.Write(rating);
        w.Write(stock);
        w.Write(availability);
        w.WriteCount(tags.Count);
        for (var i = 0; i < tags.Count; i++) w.Write(tags[i]);
        w.Write(sku);
        w.Write(thumbnail);
        Span<byte> hash = stackalloc byte[16];
        XxHash128.Hash(w.Written, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static int MaxBytes(string? value) => Prefix + (value is null ? 0 : Encoding.UTF8.GetMaxByteCount(value.Length));

    /// <summary>Decimal without trailing zeros, so 695 and 695.00 hash alike.</summary>
    public static string Canonical(decimal? value) =>
        value is null ? "" : (value.Value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes <see cref="Canonical"/>'s text of a decimal as UTF-8 without allocating: the mantissa's trailing zeros are
    /// divided away and the point placed by the scale. Returns the bytes written.
    /// </summary>
    internal static int WriteCanonical(decimal value, Span<byte> target)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        if ((bits[0] | bits[1] | bits[2]) == 0)
            return Encoding.UTF8.GetBytes(Canonical(value), target); // zero (and its signed and scaled forms): exactly as Canonical writes it
        if (bits[2] != 0) return WriteTrimmed(value, target); // a mantissa above 64 bits: rare, the general way
        var mantissa = (uint)bits[0] | ((ulong)(uint)bits[1] << 32);
        var scale = (bits[3] >> 16) & 0xFF;
        while (scale > 0 && mantissa % 10 == 0)
        {
            mantissa /= 10;
            scale--;
        }
        // Digits from the last, the point after `scale` of them, "0." when the fraction is all there is.
        Span<byte> text = stackalloc byte[MaxDecimalChars];
        var start = text.Length;
        var placed = 0;
        do
        {
            if (placed == scale && scale > 0) text[--start] = (byte)'.';
            var next = mantissa / 10;
            text[--start] = (byte)('0' + (int)(mantissa - next * 10));
            mantissa = next;
            placed++;
        } while (mantissa != 0 || placed <= scale);
        if (bits[3] < 0) text[--start] = (byte)'-';
        text[start..].CopyTo(target);
        return text.Length - start;
    }

    /// <summary>The invariant text with the fraction's trailing zeros (and a bare point) removed.</summary>
    private static int WriteTrimmed(decimal value, Span<byte> target)
    {
        value.TryFormat(target, out var written, default, CultureInfo.InvariantCulture);
        if (target[..written].IndexOf((byte)'.') >= 0)
        {
            while (target[written - 1] == (byte)'0') written--;
            if (target[written - 1] == (byte)'.') written--;
        }
        return written;
    }

    private ref struct FieldWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void WriteCount(int count)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer[_length..], count);
            _length += Prefix;
        }

        public void Write(string? value)
        {
            if (value is null) { WriteCount(-1); return; }
            // ASCII (most text) narrowed directly; otherwise UTF-8 with lone surrogates as U+FFFD, as Encoding.UTF8 writes them.
            var target = _buffer[(_length + Prefix)..];
            if (Ascii.FromUtf16(value, target, out var written) != OperationStatus.Done)
                Utf8.FromUtf16(value, target, out _, out written);
            WriteCount(written);
            _length += written;
        }

        public void Write(int? value)
        {
            if (value is null) { WriteCount(-1); return; }
            value.Value.TryFormat(_buffer[(_length + Prefix)..], out var written, default, CultureInfo.InvariantCulture);
            WriteCount(written);
            _length += written;
        }

        public void Write(decimal? value)
        {
            if (value is null) { WriteCount(-1); return; }
            var written = WriteCanonical(value.Value, _buffer[(_length + Prefix)..]);
            WriteCount(written);
            _length += written;
        }
    }
}
