using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>
/// Proof that the faster <see cref="ContentHash.Of(Product)"/> gives the hashes the original gave (a changed hash would
/// make every stored product look changed): the original algorithm, kept here verbatim, against the new one.
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
        Report.Print($"Content hash check: {checkedCount:N0} products compared with the original algorithm, {mismatches} mismatches\n");
        return mismatches;
    }

    /// <summary>The algorithm as it was (StringBuilder, then UTF-8, then SHA-256).</summary>
    public static string Reference(Product p)
    {
        var builder = new StringBuilder(256);
        builder.Append(p.Source).Append('\u001f').Append(p.SourceId).Append('\u001f')
            .Append(p.Title).Append('\u001f').Append(p.Description).Append('\u001f')
            .Append(p.Category).Append('\u001f').Append(p.Brand).Append('\u001f')
            .Append(Canonical(p.Price)).Append('\u001f').Append(Canonical(p.DiscountPercentage)).Append('\u001f')
            .Append(Canonical(p.Rating)).Append('\u001f').Append(p.Stock).Append('\u001f')
            .Append(p.Availability).Append('\u001f').Append(string.Join('\u001e', p.Tags)).Append('\u001f')
            .Append(p.Sku).Append('\u001f').Append(p.Thumbnail);
        var chars = builder.ToString();
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length));
        try
        {
            var count = Encoding.UTF8.GetBytes(chars, rented);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, count), hash);
            return Convert.ToHexStringLower(hash[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string Canonical(decimal? value) =>
        value is null ? "" : (value.Value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
