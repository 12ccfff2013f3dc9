using System.Text;
using System.Text.Json;
using Pipeline.Core.Sources;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Parsing;

public sealed class CatalogPageParserTests
{
    private static readonly ParseContext Context = new("dummyjson", "run-1", "raw/source=dummyjson/dt=2026-01-01/run=run-1/page-000001.json",
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>The real fixture array wrapped in DummyJSON's envelope, bytes kept verbatim.</summary>
    internal static byte[] DummyEnvelope()
    {
        var products = SharedFixtures.ReadBytes("dummyjson", "products.json");
        return [.. "{\"products\":"u8.ToArray(), .. products, .. ",\"total\":194,\"skip\":0,\"limit\":194}"u8.ToArray()];
    }

    private static ParseResult ParseDummy(string json) => CatalogPageParser.Parse(Encoding.UTF8.GetBytes(json), CatalogFormat.DummyJson, Context);

    [Fact]
    public void DummyJson_fixture_yields_all_194_products_with_92_lacking_a_brand()
    {
        var result = CatalogPageParser.Parse(DummyEnvelope(), CatalogFormat.DummyJson, Context);

        Assert.Null(result.PageError);
        Assert.Empty(result.Rejections);
        Assert.Equal(194, result.RecordCount);
        Assert.Equal(194, result.Products.Count);
        Assert.Equal(194, result.Total);
        Assert.Equal(92, result.Products.Count(p => p.Brand is null));
        Assert.Equal(194, result.Products.Select(p => p.SourceId).Distinct().Count());
    }

    [Fact]
    public void DummyJson_fixture_category_counts_match_the_api_notes()
    {
        var counts = CatalogPageParser.Parse(DummyEnvelope(), CatalogFormat.DummyJson, Context).Products
            .GroupBy(p => p.Category).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(24, counts.Count);
        Assert.Equal(30, counts["kitchen-accessories"]);
        Assert.Equal(27, counts["groceries"]);
        Assert.Equal(17, counts["sports-accessories"]);
        Assert.Equal(16, counts["smartphones"]);
        Assert.Equal(14, counts["mobile-accessories"]);
        Assert.Equal(6, counts["mens-watches"]);
        Assert.Equal(3, counts["tablets"]);
    }

    [Fact]
    public void DummyJson_fixture_prices_and_availability_are_normalised()
    {
        var products = CatalogPageParser.Parse(DummyEnvelope(), CatalogFormat.DummyJson, Context).Products;

        Assert.Equal(0.79m, products.Min(p => p.Price));
        Assert.Equal(36999.99m, products.Max(p => p.Price));
        Assert.Equal(176, products.Count(p => p.Availability == "in-stock"));
        Assert.Equal(14, products.Count(p => p.Availability == "low-stock"));
        Assert.Equal(4, products.Count(p => p.Availability == "out-of-stock"));
        var mascara = products.Single(p => p.SourceId == "1");
        Assert.Equal("Essence Mascara Lash Princess", mascara.Title);
        Assert.Equal("beauty", mascara.Category);
        Assert.Equal("Essence", mascara.Brand);
        Assert.Equal(9.99m, mascara.Price);
        Assert.Equal(10.48m, mascara.DiscountPercentage);
        Assert.Equal(2.56m, mascara.Rating);
        Assert.Equal(99, mascara.Stock);
        Assert.Equal(["beauty", "mascara"], mascara.Tags);
        Assert.Equal("BEA-ESS-ESS-001", mascara.Sku);
        Assert.Equal("dummyjson:1", mascara.Id);
    }

    [Fact]
    public void FakeStore_fixture_parses_bare_array_with_rating_objects_and_integer_prices()
    {
        var context = Context with { Source = "fakestore" };
        var result = CatalogPageParser.Parse(SharedFixtures.ReadBytes("fakestore", "products.json"), CatalogFormat.FakeStore, context);

        Assert.Null(result.PageError);
        Assert.Equal(20, result.Products.Count);
        var categories = result.Products.GroupBy(p => p.Category).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, categories["electronics"]);
        Assert.Equal(6, categories["womens-clothing"]);
        Assert.Equal(4, categories["mens-clothing"]);
        Assert.Equal(4, categories["jewelery"]);
        Assert.Equal(695m, result.Products.Single(p => p.SourceId == "5").Price);
        Assert.Equal(3m, result.Products.Single(p => p.SourceId == "7").Rating);
        Assert.Equal(3.9m, result.Products.Single(p => p.SourceId == "1").Rating);
        Assert.Equal("Mens Casual Premium Slim Fit T-Shirts", result.Products.Single(p => p.SourceId == "2").Title);
        Assert.All(result.Products, p => Assert.Null(p.Stock));
        Assert.Contains('’', string.Concat(result.Products.Select(p => p.Description)));
        Assert.StartsWith("https://", result.Products.Single(p => p.SourceId == "1").Thumbnail);
    }

    [Fact]
    public void Records_with_wrong_types_or_missing_fields_are_rejected_with_reasons_and_the_rest_kept()
    {
        var result = ParseDummy("""
            {"products":[
              {"id":1,"title":"Good","category":"beauty","price":9.99},
              {"id":2,"title":"No price","category":"beauty"},
              {"id":"3","title":"String id is fine","category":"beauty","price":1},
              {"id":4,"title":"Price as text","category":"beauty","price":"12.50"},
              {"id":5,"category":"beauty","price":2},
              42,
              {"id":7,"title":"Bad rating","category":"beauty","price":2,"rating":9},
              {"id":8,"title":"Tags wrong","category":"beauty","price":2,"tags":"x"},
              {"id":-9,"title":"Negative id","category":"beauty","price":2},
              {"id":10,"title":"  ","category":"beauty","price":2}
            ],"total":10,"skip":0,"limit":10}
            """);

        Assert.Null(result.PageError);
        Assert.Equal(10, result.RecordCount);
        Assert.Equal(["1", "3"], result.Products.Select(p => p.SourceId));
        var reasons = result.Rejections.ToDictionary(r => r.RecordIndex!.Value, r => r.Reason);
        Assert.Equal("missing required field 'price'", reasons[1]);
        Assert.Equal("'price' must be a number but is a string", reasons[3]);
        Assert.Equal("missing required field 'title'", reasons[4]);
        Assert.Equal("record is a number, not an object", reasons[5]);
        Assert.Equal("'rating' must be between 0 and 5", reasons[6]);
        Assert.Equal("'tags' must be an array but is a string", reasons[7]);
        Assert.StartsWith("'id' must be a positive integer", reasons[8]);
        Assert.Equal("'title' is empty", reasons[9]);
        Assert.All(result.Rejections, r => Assert.Equal(Context.RawKey, r.RawKey));
        Assert.Equal("4", result.Rejections.Single(r => r.RecordIndex == 3).SourceId);
    }

    [Theory]
    [InlineData("{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"b\",\"price\":1}", "malformed page")]
    [InlineData("{\"products\":[{\"id\":1,\"title\":\"a\"", "malformed page")]
    [InlineData("", "malformed page")]
    [InlineData("[]", "expected the envelope object")]
    [InlineData("{\"total\":3}", "no 'products' array")]
    [InlineData("{\"products\":{}}", "'products' must be an array")]
    [InlineData("{\"products\":[]} trailing", "malformed page")]
    public void Malformed_pages_are_rejected_whole_with_a_reason(string json, string expected)
    {
        var result = ParseDummy(json);

        Assert.NotNull(result.PageError);
        Assert.Contains(expected, result.PageError);
        Assert.Empty(result.Products);
        var rejection = Assert.Single(result.Rejections);
        Assert.Null(rejection.RecordIndex);
        Assert.Equal(Context.RawKey, rejection.RawKey);
    }

    [Fact]
    public void Deeply_nested_json_is_rejected_not_crashed_on()
    {
        var deep = new string('[', 5000) + new string(']', 5000);
        var result = ParseDummy("{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"b\",\"price\":1,\"x\":" + deep + "}]}");

        Assert.NotNull(result.PageError);
        Assert.Empty(result.Products);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_tolerated()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"b\",\"price\":1}]}")).ToArray();
        var result = CatalogPageParser.Parse(bytes, CatalogFormat.DummyJson, Context);

        Assert.Single(result.Products);
    }

    [Fact]
    public void Content_hash_ignores_timestamps_and_decimal_scale_but_not_price()
    {
        var a = ParseDummy("{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"b\",\"price\":695}]}").Products[0];
        var b = CatalogPageParser.Parse(Encoding.UTF8.GetBytes("{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"b\",\"price\":695.00}]}"),
            CatalogFormat.DummyJson, Context with { SeenAt = Context.SeenAt.AddDays(3), RunId = "other" }).Products[0];
        var c = ParseDummy("{\"products\":[{\"id\":1,\"title\":\"a\",\"category\":\"b\",\"price\":695.01}]}").Products[0];

        Assert.Equal(a.ContentHash, b.ContentHash);
        Assert.NotEqual(a.ContentHash, c.ContentHash);
    }

    [Theory]
    [InlineData("men's clothing", "mens-clothing")]
    [InlineData("women's clothing", "womens-clothing")]
    [InlineData("In Stock", "in-stock")]
    [InlineData("  Home  Decoration ", "home-decoration")]
    [InlineData("kitchen-accessories", "kitchen-accessories")]
    public void Slugs(string input, string expected) => Assert.Equal(expected, Slug.From(input));

    [Fact]
    public void DummyJson_fixture_products_carry_every_field_as_the_json_has_it_normalised()
    {
        using var json = JsonDocument.Parse(SharedFixtures.ReadBytes("dummyjson", "products.json"));
        var products = CatalogPageParser.Parse(DummyEnvelope(), CatalogFormat.DummyJson, Context).Products;

        Assert.Equal(json.RootElement.GetArrayLength(), products.Count);
        foreach (var (e, p) in json.RootElement.EnumerateArray().Zip(products))
        {
            Assert.Equal(e.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), p.SourceId);
            Assert.Equal("dummyjson", p.Source);
            Assert.Equal(e.GetProperty("title").GetString()!.Trim(), p.Title);
            Assert.Equal(e.GetProperty("description").GetString()!.Trim(), p.Description);
            Assert.Equal(Slug.From(e.GetProperty("category").GetString()!), p.Category);
            Assert.Equal(e.TryGetProperty("brand", out var brand) ? brand.GetString()!.Trim() : null, p.Brand);
            AssertSameDecimal(e.GetProperty("price").GetDecimal(), p.Price);
            AssertSameDecimal(e.GetProperty("discountPercentage").GetDecimal(), p.DiscountPercentage!.Value);
            AssertSameDecimal(e.GetProperty("rating").GetDecimal(), p.Rating!.Value);
            Assert.Equal(e.GetProperty("stock").GetInt32(), p.Stock);
            Assert.Equal(Slug.From(e.GetProperty("availabilityStatus").GetString()!), p.Availability);
            Assert.Equal(e.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!), p.Tags);
            Assert.Equal(e.GetProperty("sku").GetString(), p.Sku);
            Assert.Equal(e.GetProperty("thumbnail").GetString(), p.Thumbnail);
            Assert.Equal(Context.SeenAt, p.FirstSeen);
            Assert.Equal(Context.SeenAt, p.LastSeen);
            Assert.Equal(Context.SeenAt, p.LastChanged);
            Assert.Equal(Context.RunId, p.LastRunId);
            Assert.Equal(ContentHash.Of(p), p.ContentHash);
        }
    }

    [Fact]
    public void FakeStore_fixture_products_carry_every_field_as_the_json_has_it_normalised()
    {
        using var json = JsonDocument.Parse(SharedFixtures.ReadBytes("fakestore", "products.json"));
        var context = Context with { Source = "fakestore" };
        var products = CatalogPageParser.Parse(SharedFixtures.ReadBytes("fakestore", "products.json"), CatalogFormat.FakeStore, context).Products;

        Assert.Equal(json.RootElement.GetArrayLength(), products.Count);
        foreach (var (e, p) in json.RootElement.EnumerateArray().Zip(products))
        {
            Assert.Equal(e.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), p.SourceId);
            Assert.Equal(e.GetProperty("title").GetString()!.Trim(), p.Title);
            Assert.Equal(e.GetProperty("description").GetString()!.Trim(), p.Description);
            Assert.Equal(Slug.From(e.GetProperty("category").GetString()!), p.Category);
            Assert.Null(p.Brand);
            AssertSameDecimal(e.GetProperty("price").GetDecimal(), p.Price);
            AssertSameDecimal(e.GetProperty("rating").GetProperty("rate").GetDecimal(), p.Rating!.Value);
            Assert.Null(p.DiscountPercentage);
            Assert.Null(p.Stock);
            Assert.Equal("unknown", p.Availability);
            Assert.Empty(p.Tags);
            Assert.Null(p.Sku);
            Assert.Equal(e.GetProperty("image").GetString(), p.Thumbnail);
            Assert.Equal(ContentHash.Of(p), p.ContentHash);
        }
    }

    [Fact]
    public void Escaped_names_and_values_read_as_their_plain_forms_and_repeated_values_share_one_string()
    {
        var plain = ParseDummy("""{"products":[{"id":1,"title":"Lamp","category":"Home Decoration","price":1.50,"brand":"Acme","tags":["x","y"]},{"id":2,"title":"Lamp","category":"Home Decoration","price":1.5,"brand":"Acme","tags":["x"]}]}""").Products;
        var escaped = ParseDummy("""{"products":[{"id":1,"title":"Lamp","category":"Home Decoration","price":1.50,"brand":"Acme","tags":["x","y"]}]}""").Products;

        Assert.Equal(plain[0] with { ContentHash = "" }, escaped[0] with { ContentHash = "", Tags = plain[0].Tags });
        Assert.Equal(plain[0].Tags, escaped[0].Tags);
        Assert.Equal(plain[0].ContentHash, escaped[0].ContentHash);
        Assert.Equal("home-decoration", plain[1].Category);
        Assert.Same(plain[0].Category, plain[1].Category);
        Assert.Same(plain[0].Brand, plain[1].Brand);
        Assert.Equal(2, plain[0].Price.Scale);
    }

    private static void AssertSameDecimal(decimal expected, decimal actual)
    {
        Assert.Equal(expected, actual);
        Assert.Equal(expected.Scale, actual.Scale);
    }
}
