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
    private const int Prefix = sizeof(int);

    /// <summary>Size of the buffer kept per thread that the hash's input is written into (a bigger input moves to a new array).</summary>
    private const int ThreadBufferBytes = 16 * 1024;

    [ThreadStatic] private static byte[]? _threadBuffer;

    /// <summary>The buffer kept per thread for <see cref="Writer"/>.</summary>
    internal static byte[] ThreadBuffer => _threadBuffer ??= new byte[ThreadBufferBytes];

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
        var w = new Writer(ThreadBuffer);
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
        private Span<byte> _buffer;
        private int _length;

        /// <summary>A writer into <paramref name="buffer"/> (<see cref="ThreadBuffer"/>); a field that does not fit moves what was written to a bigger array.</summary>
        public Writer(byte[] buffer) => _buffer = buffer;

        /// <summary>The XXH128 of what was written, as 32 lower-case hex digits.</summary>
        public readonly string Finish()
        {
            Span<byte> hash = stackalloc byte[16];
            XxHash128.Hash(_buffer[.._length], hash);
            return Convert.ToHexStringLower(hash);
        }

        /// <summary>Room for <paramref name="bytes"/> more bytes: the free part of the buffer, at least that long.</summary>
        private Span<byte> Free(int bytes)
        {
            if (_buffer.Length - _length < bytes)
            {
                var bigger = new byte[Math.Max(_buffer.Length * 2, _length + bytes)];
                _buffer[.._length].CopyTo(bigger);
                _buffer = bigger;
            }
            return _buffer[_length..];
        }

        public void WriteCount(int count)
        {
            BinaryPrimitives.WriteInt32LittleEndian(Free(Prefix), count);
            _length += Prefix;
        }

        public void Write(string? value)
        {
            if (value is null) { WriteCount(-1); return; }
            // ASCII (most text) narrowed directly; otherwise UTF-8 with lone surrogates as U+FFFD, as Encoding.UTF8 writes them.
            var target = Free(Prefix + Encoding.UTF8.GetMaxByteCount(value.Length))[Prefix..];
            if (Ascii.FromUtf16(value, target, out var written) != OperationStatus.Done)
                Utf8.FromUtf16(value, target, out _, out written);
            WriteCount(written);
            _length += written;
        }

        /// <summary>A text field given as its UTF-8 bytes.</summary>
        public void WriteUtf8(ReadOnlySpan<byte> utf8)
        {
            var target = Free(Prefix + utf8.Length);
            BinaryPrimitives.WriteInt32LittleEndian(target, utf8.Length);
            utf8.CopyTo(target[Prefix..]);
            _length += Prefix + utf8.Length;
        }

        public void Write(int? value)
        {
            if (value is null) { WriteCount(-1); return; }
            value.Value.TryFormat(Free(Prefix + MaxIntChars)[Prefix..], out var written, default, CultureInfo.InvariantCulture);
            WriteCount(written);
            _length += written;
        }

        public void Write(decimal? value)
        {
            if (value is null) { WriteCount(-1); return; }
            var written = WriteCanonical(value.Value, Free(Prefix + MaxDecimalChars)[Prefix..]);
            WriteCount(written);
            _length += written;
        }
    }
}
