using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Unicode;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>Hash of a product's normalised content (not its timestamps): equal hash, nothing changed.</summary>
public static class ContentHash
{
    /// <summary>Longest text of a <see cref="decimal"/> (sign, 29 digits, point, "0.") and of an <see cref="int"/>.</summary>
    private const int MaxDecimalChars = 32, MaxIntChars = 11;

    /// <summary>Bytes of a length prefix; a null field is the prefix -1 alone.</summary>
    internal const int Prefix = sizeof(int);

    /// <summary>Inputs up to this size are written into a buffer kept per thread; larger ones into a new array.</summary>
    private const int ThreadBufferBytes = 16 * 1024;

    [ThreadStatic] private static byte[]? _threadBuffer;

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
                  + NumberBytes + MaxBytes(availability) + Prefix + MaxBytes(sku) + MaxBytes(thumbnail);
        for (var i = 0; i < tags.Count; i++) max += MaxBytes(tags[i]);
        var w = new Writer(max);
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
        return w.Finish();
    }

    /// <summary>Most bytes a string field can take: its prefix and at most 3 UTF-8 bytes a UTF-16 unit.</summary>
    internal static int MaxBytes(string? value) => Prefix + (value is null ? 0 : Encoding.UTF8.GetMaxByteCount(value.Length));

    /// <summary>Most bytes the three decimals and the stock take, prefixes included.</summary>
    internal const int NumberBytes = 3 * (Prefix + MaxDecimalChars) + Prefix + MaxIntChars;

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

    /// <summary>
    /// Writes the fields into the hash's input, in the order <see cref="Of(string, string, string, string?, string, string?, decimal, decimal?, decimal?, int?, string?, IReadOnlyList{string}, string?, string?)"/>
    /// defines, and hashes it. Text comes either as a string (encoded here) or as the UTF-8 it already is, which gives the
    /// same bytes: the parser hands over the page's own bytes of a value when they are exactly the value's UTF-8.
    /// </summary>
    internal ref struct Writer
    {
        private readonly Span<byte> _buffer;
        private int _length;

        /// <summary>A writer for at most <paramref name="maxBytes"/> bytes (prefixes included): the buffer kept per thread, or a new array when that is too small.</summary>
        public Writer(int maxBytes) => _buffer = maxBytes <= ThreadBufferBytes ? (_threadBuffer ??= new byte[ThreadBufferBytes]) : new byte[maxBytes];

        /// <summary>The XXH128 of what was written, as 32 lower-case hex digits.</summary>
        public readonly string Finish()
        {
            Span<byte> hash = stackalloc byte[16];
            XxHash128.Hash(_buffer[.._length], hash);
            return Convert.ToHexStringLower(hash);
        }

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

        /// <summary>A text field given as its UTF-8 bytes.</summary>
        public void WriteUtf8(ReadOnlySpan<byte> utf8)
        {
            WriteCount(utf8.Length);
            utf8.CopyTo(_buffer[_length..]);
            _length += utf8.Length;
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

        /// <summary>
        /// A decimal from the JSON text it was read from, when that text is plain (digits, maybe a point and digits: what
        /// <see cref="CatalogPageParser.TryReadPlainDecimal"/> reads) and the value is not zero: <see cref="Canonical"/>'s
        /// text is then that text with the fraction's trailing zeros (and a bare point) dropped, since JSON allows no
        /// leading zeros ("0.05" keeps its "0."). Zero is written from the value (its text is "0" whatever the scale).
        /// </summary>
        public void WritePlainDecimal(ReadOnlySpan<byte> text, decimal value)
        {
            if (text.IndexOfAnyInRange((byte)'1', (byte)'9') < 0) { Write(value); return; }
            if (text.IndexOf((byte)'.') >= 0)
            {
                text = text.TrimEnd((byte)'0');
                if (text[^1] == (byte)'.') text = text[..^1];
            }
            WriteUtf8(text);
        }
    }
}
