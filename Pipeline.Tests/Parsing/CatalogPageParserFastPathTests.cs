using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Parsing;

/// <summary>
/// The parser hashes a value from the page's own bytes when those are exactly its normalised UTF-8 (unescaped text
/// that needs no trimming, the canonical part of a plain number) and makes ASCII strings by widening: these tests hold
/// every such shortcut to the plain way (<see cref="ContentHash.Of(Product)"/> of the product, strings as
/// <see cref="JsonDocument"/> decodes them).
/// </summary>
public sealed class CatalogPageParserFastPathTests
{
    private static readonly ParseContext Context = new("dummyjson", "run-1", "raw/page-000001.json", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// String values as JSON source text (inside the quotes): plain, to trim, non-ASCII, escaped. (An escaped lone surrogate
    /// is refused by the reader, see <see cref="Invalid_text_is_refused_as_the_reader_refuses_it"/>.)
    /// </summary>
    private static readonly string[] Texts =
    [
        "plain", "Two words", " leading space", "trailing space ", "\\t escaped tab", "tab at the end\\t", "\u00a0no-break spaces\u00a0",
        "\\u00a0escaped no-break space", "\u3000ideographic space\u3000", "ünïcödé", "ends in é", "é starts", "😀 emoji", "emoji 😀",
        "\\ud83d\\ude00 escaped pair", "", "   ", "\\u0020", "a \\\"quote\\\"",
        "\\u0041BC escaped ASCII", "del \u007f", "\u007f", "slash \\/ escaped", "x", "\u2028line separator\u2028", "\u0085next line",
    ];

    /// <summary>Number texts: plain with and without trailing zeros, zeros of several scales, exponents, too many digits.</summary>
    private static readonly string[] Numbers =
    [
        "0", "0.00", "0.0", "1", "1.0", "12.50", "10.00", "100", "0.05", "0.50", "4.999", "3.5", "1e2", "1.5E1", "5e-1", "99999999.99",
        "1234567890123456789", "123456789012345678", "12345678.901234567800", "-0", "-0.0", "7.10",
    ];

    [Fact]
    public void Generated_records_hash_as_their_products_hash_and_read_as_JsonDocument_reads_them()
    {
        var random = new Random(20260101);
        var page = new StringBuilder("{\"products\":[");
        const int records = 3000;
        for (var i = 0; i < records; i++)
        {
            if (i > 0) page.Append(',');
            page.Append("{\"id\":").Append(i + 1);
            Text("title");
            if (random.Next(8) == 0) Text("title"); // a repeated key: the last one counts
            if (random.Next(4) > 0) Text("description");
            page.Append(",\"category\":\"").Append(random.Next(3) == 0 ? Pick(Texts) : "Home Decoration").Append('"');
            Number("price");
            if (random.Next(4) > 0) Number("discountPercentage");
            if (random.Next(4) > 0) Number("rating");
            if (random.Next(4) > 0) Number("rating"); // a repeated number: the last one counts
            if (random.Next(4) > 0) page.Append(",\"stock\":").Append(Pick(["0", "7", "150", "-0"]));
            if (random.Next(4) > 0)
            {
                page.Append(",\"tags\":[");
                var count = random.Next(4);
                for (var t = 0; t < count; t++) page.Append(t > 0 ? "," : "").Append('"').Append(Pick(Texts)).Append('"');
                page.Append(']');
            }
            if (random.Next(3) > 0) Text("brand");
            if (random.Next(4) > 0) Text("sku");
            if (random.Next(4) > 0) Text("availabilityStatus");
            if (random.Next(4) > 0) Text("thumbnail");
            page.Append('}');
        }
        page.Append("],\"total\":").Append(records).Append('}');
        var json = Encoding.UTF8.GetBytes(page.ToString());

        var result = CatalogPageParser.Parse(json, CatalogFormat.DummyJson, Context);

        Assert.Null(result.PageError);
        Assert.Equal(records, result.RecordCount);
        Assert.True(result.Products.Count > records / 4, $"only {result.Products.Count} of {records} records were kept");
        Assert.All(result.Products, p => Assert.Equal(ContentHash.Of(p), p.ContentHash));

        using var document = JsonDocument.Parse(json);
        var elements = document.RootElement.GetProperty("products").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetInt32().ToString(CultureInfo.InvariantCulture));
        foreach (var p in result.Products)
        {
            var e = elements[p.SourceId];
            Assert.Equal(Last(e, "title")!.Trim(), p.Title);
            Assert.Equal(Last(e, "description")?.Trim(), p.Description);
            var sku = Last(e, "sku");
            Assert.Equal(string.IsNullOrWhiteSpace(sku) ? null : sku, p.Sku);
            var thumbnail = Last(e, "thumbnail");
            Assert.Equal(string.IsNullOrWhiteSpace(thumbnail) ? null : thumbnail, p.Thumbnail);
            var brand = Last(e, "brand");
            Assert.Equal(string.IsNullOrWhiteSpace(brand) ? null : brand.Trim(), p.Brand);
            var tags = e.TryGetProperty("tags", out var array) ? array.EnumerateArray().Select(t => t.GetString()!).ToArray() : [];
            Assert.Equal(tags, p.Tags);
        }

        void Text(string name) => page.Append(",\"").Append(name).Append("\":\"").Append(Pick(Texts)).Append('"');
        void Number(string name) => page.Append(",\"").Append(name).Append("\":").Append(Pick(Numbers));
        string Pick(string[] choices) => choices[random.Next(choices.Length)];
    }

    /// <summary>The last value of a property that may repeat, as a string (JsonDocument gives the first).</summary>
    private static string? Last(JsonElement record, string name) =>
        record.EnumerateObject().LastOrDefault(p => p.NameEquals(name)) is { Value.ValueKind: JsonValueKind.String } found ? found.Value.GetString() : null;

    [Theory]
    [InlineData("12.50", "12.5")]
    [InlineData("10.00", "10")]
    [InlineData("10.0", "10")]
    [InlineData("100", "100")]
    [InlineData("0.05", "0.05")]
    [InlineData("0.50", "0.5")]
    [InlineData("7", "7")]
    [InlineData("123456789012345678", "123456789012345678")]
    [InlineData("0", "")]
    [InlineData("0.00", "")]
    public void A_plain_decimal_s_canonical_text_is_its_text_without_the_fraction_s_trailing_zeros(string text, string canonical)
    {
        Assert.True(CatalogPageParser.TryReadPlainDecimal(Encoding.ASCII.GetBytes(text), out var value, out var length));

        Assert.Equal(canonical, text[..length]);
        if (value != 0) Assert.Equal(ContentHash.Canonical(value), canonical); // zero is written from the value ("0")
    }

    [Theory]
    [InlineData("\"title\":\"Lamp\"", "Lamp")]
    [InlineData("\"title\":\" Lamp \"", "Lamp")]
    [InlineData("\"title\":\"\u00a0Lamp\u00a0\"", "Lamp")]
    [InlineData("\"title\":\"\\u00a0Lamp\"", "Lamp")]
    [InlineData("\"title\":\"L\\u0061mp\"", "Lamp")]
    [InlineData("\"title\":\"Lämp\"", "Lämp")]
    [InlineData("\"title\" :\n  /* a comment */ \"Lamp\" // another\n", "Lamp")] // the value's bytes are found past white space and comments
    public void Titles_that_normalise_alike_hash_alike_whichever_way_they_were_read(string titleProperty, string expectedTitle)
    {
        var reference = CatalogPageParser.Parse(Encoding.UTF8.GetBytes(Record($"\"title\":\"{expectedTitle}\"")), CatalogFormat.DummyJson, Context).Products.Single();
        var product = CatalogPageParser.Parse(Encoding.UTF8.GetBytes(Record(titleProperty)), CatalogFormat.DummyJson, Context).Products.Single();

        Assert.Equal(expectedTitle, product.Title);
        Assert.Equal(reference.ContentHash, product.ContentHash);
        Assert.Equal(ContentHash.Of(product), product.ContentHash);

        static string Record(string title) =>
            "{\"products\":[{\"id\":1," + title + ",\"category\":\"c\",\"price\":1.50,\"brand\":\"B\",\"tags\":[\"t\"],\"sku\":\"S\",\"thumbnail\":\"u\"}]}";
    }

    [Theory]
    [InlineData(new byte[] { (byte)'A', 0xC3, 0x28 })] // invalid UTF-8, unescaped: not ASCII, so the reader decodes it
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0' })] // an escaped lone high surrogate
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'c', (byte)'0', (byte)'0', (byte)'x' })] // an escaped lone low surrogate
    public void Invalid_text_is_refused_as_the_reader_refuses_it(byte[] title)
    {
        byte[] json = [.. "{\"products\":[{\"id\":1,\"title\":\""u8, .. title, .. "\",\"category\":\"c\",\"price\":1}]}"u8];

        // Utf8JsonReader.GetString throws InvalidOperationException for these, and the parser lets it through as it always has.
        Assert.Throws<InvalidOperationException>(() => CatalogPageParser.Parse(json, CatalogFormat.DummyJson, Context));
    }

    [Fact]
    public void Numbers_after_white_space_and_comments_hash_from_their_own_text()
    {
        var spaced = CatalogPageParser.Parse("{\"products\":[{\"id\":1,\"title\":\"t\",\"category\":\"c\",\"price\": /* p */ 12.50 ,\"rating\":\n\t4.10}]}"u8, CatalogFormat.DummyJson, Context).Products.Single();
        var plain = CatalogPageParser.Parse("{\"products\":[{\"id\":1,\"title\":\"t\",\"category\":\"c\",\"price\":12.5,\"rating\":4.1}]}"u8, CatalogFormat.DummyJson, Context).Products.Single();

        Assert.Equal(12.50m, spaced.Price);
        Assert.Equal(ContentHash.Of(spaced), spaced.ContentHash);
        Assert.Equal(plain.ContentHash, spaced.ContentHash);
    }

    [Fact]
    public void A_repeated_products_array_adds_its_products_after_the_first_one_s()
    {
        var result = CatalogPageParser.Parse(
            "{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"c\",\"price\":1},{\"id\":2}],\"products\":[{\"id\":3,\"title\":\"b\",\"category\":\"c\",\"price\":2}]}"u8,
            CatalogFormat.DummyJson, Context);

        Assert.Equal(["1", "3"], result.Products.Select(p => p.SourceId));
        Assert.Equal(3, result.RecordCount);
        Assert.Equal("2", Assert.Single(result.Rejections).SourceId);
    }

    [Fact]
    public void Real_fixtures_hash_as_their_products_hash_including_FakeStore_rating_objects()
    {
        var dummy = CatalogPageParser.Parse(CatalogPageParserTests.DummyEnvelope(), CatalogFormat.DummyJson, Context).Products;
        var fakeStore = CatalogPageParser.Parse(SharedFixtures.ReadBytes("fakestore", "products.json"), CatalogFormat.FakeStore, Context with { Source = "fakestore" }).Products;

        Assert.Equal(194, dummy.Count);
        Assert.Equal(20, fakeStore.Count);
        Assert.All(dummy.Concat(fakeStore), p => Assert.Equal(ContentHash.Of(p), p.ContentHash));
    }
}
