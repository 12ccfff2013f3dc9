using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Parsing;

public sealed class ContentHashTests
{
    private static readonly ParseContext Context = new("dummyjson", "run-1", "raw/page-000001.json", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static readonly Product Sample = new()
    {
        Source = "dummyjson", SourceId = "1", Title = "Essence Mascara Lash Princess", Description = "A mascara.", Category = "beauty",
        Brand = "Essence", Price = 9.99m, DiscountPercentage = 10.48m, Rating = 2.56m, Stock = 99, Availability = "in-stock",
        Tags = ["beauty", "mascara"], Sku = "BEA-ESS-ESS-001", Thumbnail = "https://cdn.dummyjson.com/1.webp", ContentHash = "",
    };

    [Fact]
    public void The_hash_is_pinned_so_it_is_stable_across_runs_and_machines()
    {
        // XXH128 with seed 0 is defined bit for bit; a different value here means every stored product would be rewritten.
        Assert.Equal("377ff6415088a4503574ef50610aaf87", ContentHash.Of(Sample));
    }

    [Fact]
    public void The_fixture_product_hash_is_pinned()
    {
        var mascara = CatalogPageParser.Parse(CatalogPageParserTests.DummyEnvelope(), CatalogFormat.DummyJson, Context).Products
            .Single(p => p.SourceId == "1");

        Assert.Equal("010574e43be6435851d00d27ef191bfa", mascara.ContentHash);
    }

    [Fact]
    public void The_hash_is_32_lower_case_hex_digits_and_ignores_timestamps_and_run()
    {
        var hash = ContentHash.Of(Sample);
        var later = Sample with { FirstSeen = DateTimeOffset.UnixEpoch, LastSeen = DateTimeOffset.MaxValue, LastChanged = DateTimeOffset.Now, LastRunId = "x" };

        Assert.Matches("^[0-9a-f]{32}$", hash);
        Assert.Equal(hash, ContentHash.Of(later));
        Assert.Equal(hash, ContentHash.Of(Sample with { Tags = ["beauty", "mascara"] })); // equal content in another list
    }

    [Fact]
    public void Decimal_scale_does_not_change_the_hash()
    {
        Assert.Equal(ContentHash.Of(Sample with { Price = 695m }), ContentHash.Of(Sample with { Price = 695.000m }));
        Assert.Equal(ContentHash.Of(Sample with { Rating = 3m }), ContentHash.Of(Sample with { Rating = 3.0m }));
        Assert.Equal(ContentHash.Of(Sample with { DiscountPercentage = 0.1m }), ContentHash.Of(Sample with { DiscountPercentage = 0.10m }));
        Assert.Equal(ContentHash.Of(Sample with { Price = 0m }), ContentHash.Of(Sample with { Price = 0.00m }));
    }

    public static TheoryData<string, Product> Changes => new()
    {
        { "source", Sample with { Source = "fakestore" } },
        { "source id", Sample with { SourceId = "2" } },
        { "title", Sample with { Title = "Essence Mascara Lash Princess!" } },
        { "description", Sample with { Description = "A mascara" } },
        { "description null", Sample with { Description = null } },
        { "description empty", Sample with { Description = "" } },
        { "category", Sample with { Category = "fragrances" } },
        { "brand", Sample with { Brand = "Essense" } },
        { "brand null", Sample with { Brand = null } },
        { "price", Sample with { Price = 9.98m } },
        { "price sign", Sample with { Price = -9.99m } },
        { "discount", Sample with { DiscountPercentage = 10.49m } },
        { "discount null", Sample with { DiscountPercentage = null } },
        { "rating", Sample with { Rating = 2.5m } },
        { "rating null", Sample with { Rating = null } },
        { "stock", Sample with { Stock = 98 } },
        { "stock null", Sample with { Stock = null } },
        { "availability", Sample with { Availability = "low-stock" } },
        { "availability null", Sample with { Availability = null } },
        { "tags order", Sample with { Tags = ["mascara", "beauty"] } },
        { "tags one less", Sample with { Tags = ["beauty"] } },
        { "tags none", Sample with { Tags = [] } },
        { "tags joined", Sample with { Tags = ["beautymascara"] } },
        { "sku", Sample with { Sku = "BEA-ESS-ESS-002" } },
        { "sku null", Sample with { Sku = null } },
        { "thumbnail", Sample with { Thumbnail = "https://cdn.dummyjson.com/2.webp" } },
        { "thumbnail null", Sample with { Thumbnail = null } },
        // A value moved across a field boundary: the length prefixes keep these apart (a separator byte would not).
        { "boundary", Sample with { Title = "Essence Mascara Lash Princess\u001fA mascara.", Description = "" } },
        { "tag boundary", Sample with { Tags = ["beauty\u001emascara"] } },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Any_change_of_a_hashed_field_changes_the_hash(string change, Product changed)
    {
        Assert.NotEqual(ContentHash.Of(Sample), ContentHash.Of(changed));
        Assert.NotEmpty(change);
    }

    [Fact]
    public void Every_pair_of_changes_hashes_apart()
    {
        var hashes = Changes.Select(row => ContentHash.Of((Product)row[1])).Append(ContentHash.Of(Sample)).ToList();

        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Fact]
    public void The_fast_hash_equals_its_definition_written_the_plain_way()
    {
        var parsed = CatalogPageParser.Parse(CatalogPageParserTests.DummyEnvelope(), CatalogFormat.DummyJson, Context).Products
            .Concat(CatalogPageParser.Parse(SharedFixtures.ReadBytes("fakestore", "products.json"), CatalogFormat.FakeStore, Context with { Source = "fakestore" }).Products)
            .Concat(CatalogPageParser.Parse(SyntheticSource.GeneratePage(42, 3, 5000, 0, 2000), CatalogFormat.DummyJson, Context with { Source = "synthetic" }).Products)
            .ToList();
        decimal[] decimals = [0m, 0.000m, 1m, 1.0m, 0.1m, 0.05m, 10m, 100.00m, 1e-28m, 79228162514264337593543950335m, -7.9228162514264337593543950335m, 1.2345678901234567890123456789m, 100000000m];
        var built = decimals.Select(d => Sample with { Price = d, Rating = d, DiscountPercentage = -d })
            .Append(Sample with { Title = "ünïcödé ✓ 😀", Tags = ["😀", ""], Description = "\ud800 lone surrogate", Thumbnail = new string('x', 20_000) })
            .ToList();

        Assert.Equal(194 + 20 + 2000, parsed.Count);
        Assert.All(parsed, p => Assert.Equal(PlainHash(p), p.ContentHash));
        Assert.All(built, p => Assert.Equal(PlainHash(p), ContentHash.Of(p)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.00")]
    [InlineData("1.50")]
    [InlineData("695.00")]
    [InlineData("0.05")]
    [InlineData("36999.99")]
    [InlineData("123456789012345678")]
    [InlineData("1234567890.12345678")]
    [InlineData("1234567890123456789")] // 19 digits: the reader's way
    [InlineData("-2.5")]
    [InlineData("5e2")]
    [InlineData("1.0E-1")]
    public void Plain_decimals_are_read_as_the_reader_reads_them(string text)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        reader.Read();
        Assert.True(reader.TryGetDecimal(out var expected));

        if (CatalogPageParser.TryReadPlainDecimal(reader.ValueSpan, out var actual))
        {
            Assert.Equal(expected, actual);
            Assert.Equal(decimal.GetBits(expected), decimal.GetBits(actual)); // the scale too
        }
        else Assert.True(text.Count(char.IsAsciiDigit) > 18 || text.Contains('-') || text.Contains('e') || text.Contains('E'), "a plain number was not read");
    }

    [Fact]
    public void Canonical_decimal_text_is_written_without_allocating_as_Canonical_writes_it()
    {
        var random = new Random(11);
        var values = new List<decimal> { 0m, -0.00m, 1m, 1.10m, -0.05m, 1e-28m, decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m };
        for (var i = 0; i < 20_000; i++)
            values.Add(new decimal(random.Next(), random.Next(4) == 0 ? random.Next() : 0, random.Next(8) == 0 ? random.Next() : 0, random.Next(2) == 0, (byte)random.Next(29)));
        Span<byte> text = stackalloc byte[40];

        foreach (var value in values)
            Assert.Equal(ContentHash.Canonical(value), Encoding.UTF8.GetString(text[..ContentHash.WriteCanonical(value, text)]));
    }

    /// <summary>The hash's definition, written the plain way: each field's text, its UTF-8 length (-1 for null) before it, XXH128 of all.</summary>
    private static string PlainHash(Product p)
    {
        var bytes = new List<byte>();
        void Length(int length)
        {
            var prefix = new byte[4];
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
        string? Dec(decimal? d) => d is null ? null : ContentHash.Canonical(d);
        Field(p.Source); Field(p.SourceId); Field(p.Title); Field(p.Description); Field(p.Category); Field(p.Brand);
        Field(Dec(p.Price)); Field(Dec(p.DiscountPercentage)); Field(Dec(p.Rating)); Field(p.Stock?.ToString(CultureInfo.InvariantCulture));
        Field(p.Availability);
        Length(p.Tags.Count);
        foreach (var tag in p.Tags) Field(tag);
        Field(p.Sku); Field(p.Thumbnail);
        return Convert.ToHexStringLower(XxHash128.Hash(bytes.ToArray()));
    }
}
