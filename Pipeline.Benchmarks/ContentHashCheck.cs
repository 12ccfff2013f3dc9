using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>
/// Proof that the fast <see cref="ContentHash.Of(Product)"/> (one stack buffer, decimals written without strings) gives
/// the hashes of its definition written the plain way (<see cref="Reference"/>): a wrong hash would make stored products
/// look changed, or changed ones look unchanged.
/// </summary>
public static class ContentHashCheck
{
    public static int Run(int syntheticProducts, int randomDecimals)
    {
        var checkedCount = 0;
        var mismatches = 0;
        void Check(Product p)
        {
            checkedCount++;
            if (ContentHash.Of(p) != Reference(p) && mismatches++ < 10)
                Report.Note($"MISMATCH for {p.Id} price {p.Price} rating {p.Rating} discount {p.DiscountPercentage}");
        }
        var context = new ParseContext("synthetic", "run", "key", DateTimeOffset.UnixEpoch);
        for (var skip = 0; skip < syntheticProducts; skip += 1000)
            foreach (var p in CatalogPageParser.Parse(SyntheticSource.GeneratePage(42, 1, syntheticProducts, skip, 1000), CatalogFormat.DummyJson, context).Products)
            {
                Check(p);
                if (p.SourceId.EndsWith('7')) Check(p with { Tags = [], Description = null, Brand = null, Stock = null, Rating = null, DiscountPercentage = null });
            }
        foreach (var p in CatalogPageParser.Parse(TransformInputs.FixturePage(), CatalogFormat.DummyJson, context).Products)
        {
            Check(p);
            Check(p with { Title = p.Title + " – ünïcödé ✓ 😀", Tags = [.. p.Tags, "😀", ""], Description = "\ud800 lone surrogate" });
            Check(p with { Description = "", Tags = [""], Brand = "", Sku = null, Thumbnail = new string('x', 3000) });
        }
        var random = new Random(7);
        var template = CatalogPageParser.Parse(SyntheticSource.GeneratePage(42, 1, 1, 0, 1), CatalogFormat.DummyJson, context).Products[0];
        decimal[] special =
        [
            0m, -0m, 0.000m, -0.000m, 1m, 1.0m, 10m, 100m, 100.00m, 695m, 695.00m, 0.1m, 0.10m, -0.10m, 1e-28m, 79228162514264337593543950335m,
            -79228162514264337593543950335m, 7.9228162514264337593543950335m, 1.2345678901234567890123456789m, 100000000m, 99.99m, 12.50m,
        ];
        IEnumerable<decimal> Decimals()
        {
            foreach (var d in special) yield return d;
            for (var i = 0; i < randomDecimals; i++)
            {
                var scale = (byte)random.Next(0, 29);
                var lo = random.Next(int.MinValue, int.MaxValue);
                var mid = random.Next(3) == 0 ? random.Next(int.MinValue, int.MaxValue) : 0;
                var hi = random.Next(4) == 0 ? random.Next(int.MinValue, int.MaxValue) : 0;
                if (random.Next(10) == 0) (lo, mid, hi) = (random.Next(0, 1000), 0, 0);
                yield return new decimal(lo, mid, hi, random.Next(2) == 0, scale);
            }
        }
        foreach (var d in Decimals())
            Check(template with { Price = d, Rating = d, DiscountPercentage = random.Next(2) == 0 ? null : d, Stock = random.Next(-5, int.MaxValue) });
        Report.Print($"Content hash check: {checkedCount:N0} products compared with the reference algorithm, {mismatches} mismatches\n");
        return mismatches;
    }

    /// <summary>
    /// The algorithm written the plain way: each field's text built as a string, UTF-8-encoded, and appended with its
    /// 32-bit little-endian length (-1 for null) to a list of bytes; tags preceded by their count; XXH128 of the whole.
    /// </summary>
    public static string Reference(Product p)
    {
        var bytes = new List<byte>(512);
        void Length(int length)
        {
            Span<byte> prefix = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
            bytes.AddRange(prefix);
        }
        void Field(string? text)
        {
            if (text is null) { Length(-1); return; }
            var utf8 = Encoding.UTF8.GetBytes(text);
            Length(utf8.Length);
            bytes.AddRange(utf8);
        }
        Field(p.Source);
        Field(p.SourceId);
        Field(p.Title);
        Field(p.Description);
        Field(p.Category);
        Field(p.Brand);
        Field(Canonical(p.Price));
        Field(p.DiscountPercentage is null ? null : Canonical(p.DiscountPercentage));
        Field(p.Rating is null ? null : Canonical(p.Rating));
        Field(p.Stock?.ToString(CultureInfo.InvariantCulture));
        Field(p.Availability);
        Length(p.Tags.Count);
        foreach (var tag in p.Tags) Field(tag);
        Field(p.Sku);
        Field(p.Thumbnail);
        return Convert.ToHexStringLower(XxHash128.Hash(bytes.ToArray()));
    }

    private static string Canonical(decimal? value) =>
        value is null ? "" : (value.Value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
