using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

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
                ParseEnvelope(ref reader, json, format, context, result);
            else if (reader.TokenType == JsonTokenType.StartArray)
                ParseArray(ref reader, json, format, context, result);
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

    private static void ParseEnvelope(ref Utf8JsonReader reader, ReadOnlySpan<byte> page, CatalogFormat format, ParseContext context, ParseResult result)
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
                ParseArray(ref reader, page, format, context, result);
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

    /// <param name="page">The bytes the reader reads, from which the values' own UTF-8 is hashed (see <see cref="Raw"/>).</param>
    private static void ParseArray(ref Utf8JsonReader reader, ReadOnlySpan<byte> page, CatalogFormat format, ParseContext context, ParseResult result)
    {
        var index = 0;
        var draft = new Draft();
        // Per-thread state looked up once a page, not once a record.
        var cache = RepeatedStrings.ForThisThread;
        var hashBuffer = ContentHash.ThreadBuffer;
        // Products gather in a list kept per thread and are copied once into a result list of the right size: a list
        // grown by doubling would allocate about twice the references and copy them on the way.
        var kept = _keptProducts ??= new List<Product>(128);
        kept.Clear();
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
                ReadRecord(ref reader, format, draft, cache);
                string? error = draft.Error;
                if (error is null && TryBuild(draft, page, hashBuffer, format, context, index, out var product, out error))
                    kept.Add(product);
                else
                    Reject(result, context, index, draft.SourceId, error ?? "invalid record");
            }
            index++;
        }
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("the product array is not closed");
        result.Products.EnsureCapacity(result.Products.Count + kept.Count);
        result.Products.AddRange(kept);
        kept.Clear(); // not kept alive by this thread
    }

    [ThreadStatic] private static List<Product>? _keptProducts;

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

    /// <summary>
    /// Where a value's text lies in the page, when its bytes there are exactly the UTF-8 the content hash takes for it
    /// (an unescaped string; the canonical part of a plain number), so the hash copies them instead of encoding the value again; else <see cref="None"/>.
    /// </summary>
    private readonly record struct Raw(int Start, int Length)
    {
        public static readonly Raw None = new(0, -1);

        public bool IsSet => Length >= 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ReadOnlySpan<byte> In(ReadOnlySpan<byte> page) => page.Slice(Start, Length);

        /// <summary>The current string token's bytes, when it has no escapes (they are then its value's UTF-8: the reader checked they are valid UTF-8 when the string was made).</summary>
        public static Raw OfString(ref Utf8JsonReader reader) =>
            reader.ValueIsEscaped ? None : new((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length); // TokenStartIndex is at the opening quote
    }

    private sealed class Draft
    {
        public string? SourceId, Title, Description, Category, CategorySlug, Brand, Availability, AvailabilitySlug, Sku, Thumbnail, Error;
        public decimal? Price, Discount, Rating;
        public int? Stock;
        /// <summary>The page's bytes of these values, when they can be hashed as they are (see <see cref="Raw"/>).</summary>
        public Raw TitleRaw, DescriptionRaw, BrandRaw, SkuRaw, ThumbnailRaw, PriceRaw, DiscountRaw, RatingRaw;
        /// <summary>Whether the record had a <c>tags</c> array; its strings are in <see cref="TagBuffer"/> (their bytes in <see cref="TagRaw"/>), reused between records.</summary>
        public bool HasTags;
        public readonly List<string> TagBuffer = new(8);
        public readonly List<Raw> TagRaw = new(8);

        public void Reset()
        {
            SourceId = Title = Description = Category = CategorySlug = Brand = Availability = AvailabilitySlug = Sku = Thumbnail = Error = null;
            Price = Discount = Rating = null;
            Stock = null;
            TitleRaw = DescriptionRaw = BrandRaw = SkuRaw = ThumbnailRaw = PriceRaw = DiscountRaw = RatingRaw = Raw.None;
            HasTags = false;
            TagBuffer.Clear();
            TagRaw.Clear();
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

    private static void ReadRecord(ref Utf8JsonReader reader, CatalogFormat format, Draft d, RepeatedStrings cache)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Find the field from the raw property name once, then move to its value.
            var field = FieldOf(ref reader, format);
            reader.Read();
            switch (field)
            {
                case Field.Id: d.SourceId = ReadId(ref reader, d); break;
                case Field.Title: d.Title = ReadString(ref reader, d, "title", out d.TitleRaw); break;
                case Field.Description: d.Description = ReadString(ref reader, d, "description", out d.DescriptionRaw); break;
                case Field.Category:
                    (d.Category, d.CategorySlug) = ReadRepeatedString(ref reader, d, "category", cache, slug: true);
                    break;
                case Field.Price: d.Price = ReadDecimal(ref reader, d, "price", out d.PriceRaw); break;
                case Field.Rating:
                    if (format == CatalogFormat.FakeStore && reader.TokenType == JsonTokenType.StartObject) d.Rating = ReadFakeStoreRating(ref reader, d, out d.RatingRaw);
                    else d.Rating = ReadDecimal(ref reader, d, "rating", out d.RatingRaw);
                    break;
                case Field.Image: d.Thumbnail = ReadString(ref reader, d, "image", out d.ThumbnailRaw); break;
                case Field.Thumbnail: d.Thumbnail = ReadString(ref reader, d, "thumbnail", out d.ThumbnailRaw); break;
                case Field.Discount: d.Discount = ReadDecimal(ref reader, d, "discountPercentage", out d.DiscountRaw); break;
                case Field.Stock: d.Stock = ReadInt(ref reader, d, "stock"); break;
                case Field.Brand:
                    d.BrandRaw = reader.TokenType == JsonTokenType.String ? Raw.OfString(ref reader) : Raw.None;
                    d.Brand = ReadRepeatedString(ref reader, d, "brand", cache, slug: false).Value;
                    break;
                case Field.Sku: d.Sku = ReadString(ref reader, d, "sku", out d.SkuRaw); break;
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

    private static string? ReadString(ref Utf8JsonReader reader, Draft d, string field, out Raw raw)
    {
        raw = Raw.None;
        if (reader.TokenType == JsonTokenType.String)
        {
            raw = Raw.OfString(ref reader);
            return GetString(ref reader, raw);
        }
        if (reader.TokenType != JsonTokenType.Null) d.Fail($"'{field}' must be a string but is {Describe(reader.TokenType)}");
        reader.Skip();
        return null;
    }

    /// <summary>
    /// The string token's value, as <see cref="Utf8JsonReader.GetString"/> gives it. Unescaped ASCII (most text) is
    /// widened straight into the string: its Latin-1 decoding is its UTF-8 decoding, and there is nothing to check.
    /// Anything else is left to the reader (which also refuses invalid UTF-8).
    /// </summary>
    private static string GetString(ref Utf8JsonReader reader, Raw raw)
    {
        var bytes = reader.ValueSpan;
        if (raw.IsSet && Ascii.IsValid(bytes)) return Encoding.Latin1.GetString(bytes);
        return reader.GetString()!;
    }

    /// <summary>A string that repeats across records (category, brand, status, tag): the same string instance, and its slug, for the same bytes.</summary>
    private static (string? Value, string? Slug) ReadRepeatedString(ref Utf8JsonReader reader, Draft d, string field, RepeatedStrings cache, bool slug)
    {
        if (reader.TokenType == JsonTokenType.String) return cache.Get(ref reader, slug);
        return (ReadString(ref reader, d, field, out _), null);
    }

    /// <param name="raw">The part of the number's text that is its canonical text, when it is plain and not zero (see <see cref="TryReadPlainDecimal(ReadOnlySpan{byte}, out decimal, out int)"/>).</param>
    private static decimal? ReadDecimal(ref Utf8JsonReader reader, Draft d, string field, out Raw raw)
    {
        raw = Raw.None;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (TryReadPlainDecimal(reader.ValueSpan, out var value, out var canonicalLength))
            {
                if (canonicalLength > 0) raw = new Raw((int)reader.TokenStartIndex, canonicalLength);
                return value;
            }
            if (reader.TryGetDecimal(out value)) return value;
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
    internal static bool TryReadPlainDecimal(ReadOnlySpan<byte> number, out decimal value) => TryReadPlainDecimal(number, out value, out _);

    /// <param name="canonicalLength">
    /// How much of the text is <see cref="ContentHash.Canonical"/>'s text of the value: all but the fraction's trailing
    /// zeros, and then a bare point ("12.50" → "12.5", "10.0" → "10"; JSON allows no leading zeros, so "0.05" stays).
    /// 0 when the value is zero, whose canonical text ("0") need not be in the text ("0.00").
    /// </param>
    internal static bool TryReadPlainDecimal(ReadOnlySpan<byte> number, out decimal value, out int canonicalLength)
    {
        value = 0m;
        canonicalLength = 0;
        if (number.Length > 19) return false;
        var kept = 0;
        ulong mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (var i = 0; i < number.Length; i++)
        {
            var b = number[i];
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
            if (scale < 0 || digit != 0) kept = i + 1;
        }
        if (digits == 0 || digits > 18 || scale == 0) return false;
        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, false, (byte)Math.Max(scale, 0));
        canonicalLength = mantissa == 0 ? 0 : kept;
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

    private static decimal? ReadFakeStoreRating(ref Utf8JsonReader reader, Draft d, out Raw raw)
    {
        decimal? rate = null;
        raw = Raw.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("rate"u8)) { reader.Read(); rate = ReadDecimal(ref reader, d, "rating.rate", out raw); }
            else { reader.Read(); reader.Skip(); }
        }
        return rate;
    }

    private static void ReadTags(ref Utf8JsonReader reader, Draft d, RepeatedStrings cache)
    {
        d.TagBuffer.Clear();
        d.TagRaw.Clear();
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
            if (reader.TokenType == JsonTokenType.String)
            {
                d.TagRaw.Add(Raw.OfString(ref reader));
                d.TagBuffer.Add(cache.Get(ref reader, slug: false).Value);
            }
            else { d.Fail("'tags' must hold strings"); reader.Skip(); }
        }
    }

    private static bool TryBuild(
        Draft d, ReadOnlySpan<byte> page, byte[] hashBuffer, CatalogFormat format, ParseContext ctx, int index, out Product product, out string? error)
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
        var hash = HashOf(d, page, hashBuffer, ctx.Source, title, description, category, brand, availability, sku, thumbnail);
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
            RawKey = ctx.RawKey,
            RecordIndex = index,
        };
        return true;
    }

    /// <summary>
    /// <see cref="ContentHash.Of(string, string, string, string?, string, string?, decimal, decimal?, decimal?, int?, string?, IReadOnlyList{string}, string?, string?)"/>
    /// of the product being built, the same bytes written more cheaply: a text value whose page bytes are its UTF-8 as
    /// normalised (see <see cref="Raw"/>) is copied from the page rather than encoded from its string, and a plain decimal
    /// is written from its text. The normalised values are passed to know which fields are null.
    /// </summary>
    private static string HashOf(Draft d, ReadOnlySpan<byte> page, byte[] hashBuffer, string source, string title, string? description, string category,
        string? brand, string availability, string? sku, string? thumbnail)
    {
        // Title, description and brand are trimmed: their page bytes are the trimmed value when they start and end with
        // printable ASCII other than a space (every other character .NET trims is a control character or non-ASCII).
        // Sku, thumbnail and tags are not trimmed, so any unescaped text is their value.
        var titleRaw = TrimmedAlready(d.TitleRaw, page);
        var descriptionRaw = description is null ? Raw.None : TrimmedAlready(d.DescriptionRaw, page);
        var brandRaw = brand is null ? Raw.None : TrimmedAlready(d.BrandRaw, page);
        var skuRaw = sku is null ? Raw.None : d.SkuRaw;
        var thumbnailRaw = thumbnail is null ? Raw.None : d.ThumbnailRaw;
        // The tags as read (empty when the record had no array; the buffers are cleared then).
        ReadOnlySpan<string> tags = CollectionsMarshal.AsSpan(d.TagBuffer);
        ReadOnlySpan<Raw> tagsRaw = CollectionsMarshal.AsSpan(d.TagRaw);

        var w = new ContentHash.Writer(hashBuffer);
        w.Write(source);
        w.Write(d.SourceId);
        Text(ref w, title, titleRaw, page);
        Text(ref w, description, descriptionRaw, page);
        w.Write(category);
        Text(ref w, brand, brandRaw, page);
        Number(ref w, d.Price, d.PriceRaw, page);
        Number(ref w, d.Discount, d.DiscountRaw, page);
        Number(ref w, d.Rating, d.RatingRaw, page);
        w.Write(d.Stock);
        w.Write(availability);
        w.WriteCount(tags.Length);
        for (var i = 0; i < tags.Length; i++) Text(ref w, tags[i], tagsRaw[i], page);
        Text(ref w, sku, skuRaw, page);
        Text(ref w, thumbnail, thumbnailRaw, page);
        return w.Finish();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Raw TrimmedAlready(Raw raw, ReadOnlySpan<byte> page)
        {
            if (!raw.IsSet || raw.Length == 0) return raw;
            var bytes = raw.In(page);
            return IsPrintableAsciiNotSpace(bytes[0]) && IsPrintableAsciiNotSpace(bytes[^1]) ? raw : Raw.None;
        }

        static bool IsPrintableAsciiNotSpace(byte b) => b is > (byte)' ' and < 0x7F;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Text(ref ContentHash.Writer w, string? value, Raw raw, ReadOnlySpan<byte> page)
        {
            if (raw.IsSet) w.WriteUtf8(raw.In(page));
            else w.Write(value);
        }

        static void Number(ref ContentHash.Writer w, decimal? value, Raw raw, ReadOnlySpan<byte> page)
        {
            if (raw.IsSet) w.WriteUtf8(raw.In(page));
            else w.Write(value);
        }
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
