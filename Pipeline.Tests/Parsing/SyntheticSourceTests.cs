using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Tests.Parsing;

public sealed class SyntheticSourceTests
{
    private static readonly SyntheticSource Source = new(Options.Create(new SyntheticOptions()), TimeProvider.System);

    private static FetchTask Task(int skip, int limit, int epoch, int count = 1000, int seed = 42) => new()
    {
        RunId = "r", Source = "synthetic", Page = 1, Skip = skip, Limit = limit, RunDate = new DateOnly(2026, 1, 1),
        Options = new Dictionary<string, string> { ["count"] = $"{count}", ["seed"] = $"{seed}", ["epoch"] = $"{epoch}" },
    };

    private static ParseResult Parse(byte[] bytes) =>
        CatalogPageParser.Parse(bytes, CatalogFormat.DummyJson, new ParseContext("synthetic", "r", "k", DateTimeOffset.UnixEpoch));

    [Fact]
    public async Task Same_seed_and_epoch_give_identical_bytes_that_parse_cleanly()
    {
        var a = await Source.FetchAsync(Task(100, 100, 7), CancellationToken.None);
        var b = await Source.FetchAsync(Task(100, 100, 7), CancellationToken.None);

        Assert.Equal(a.Bytes, b.Bytes);
        var parsed = Parse(a.Bytes);
        Assert.Empty(parsed.Rejections);
        Assert.Equal(100, parsed.Products.Count);
        Assert.Equal(Enumerable.Range(101, 100).Select(i => i.ToString()), parsed.Products.Select(p => p.SourceId));
        Assert.Equal(1000, parsed.Total);
    }

    [Fact]
    public async Task Prices_drift_for_some_products_between_epochs_and_nothing_else_changes()
    {
        var before = Parse((await Source.FetchAsync(Task(0, 1000, 1), CancellationToken.None)).Bytes).Products;
        var after = Parse((await Source.FetchAsync(Task(0, 1000, 2), CancellationToken.None)).Bytes).Products;

        var changed = before.Zip(after).Count(pair => pair.First.Price != pair.Second.Price);
        Assert.InRange(changed, 50, 400);
        Assert.All(before.Zip(after), pair => Assert.Equal(pair.First.Title, pair.Second.Title));
    }

    [Fact]
    public async Task Plan_covers_count_exactly_with_a_short_last_page()
    {
        var options = Source.NormalizeOptions(new Dictionary<string, string> { ["count"] = "250", ["pageSize"] = "100", ["epoch"] = "1" });
        var plan = await Source.PlanAsync(options, CancellationToken.None);

        Assert.Equal([100, 100, 50], plan.Select(p => p.Limit));
        Assert.Equal([0, 100, 200], plan.Select(p => p.Skip));
    }

    [Theory]
    [InlineData("count", "0")]
    [InlineData("count", "abc")]
    [InlineData("pageSize", "100000")]
    [InlineData("color", "red")]
    public void Invalid_options_name_the_field(string name, string value)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => Source.NormalizeOptions(new Dictionary<string, string> { [name] = value }));
        Assert.Equal($"options.{name}", ex.Field);
    }

    [Theory]
    [InlineData(42, 1, 1000, 0, 100)]
    [InlineData(42, 7, 1000, 900, 200)] // the last page is short
    [InlineData(-5, 123, 10_000_000, 9_990_000, 1000)] // eight-digit ids
    [InlineData(int.MinValue, 0, 50, 60, 10)] // past the end: no products
    [InlineData(7, int.MaxValue, 20_000, 0, 10_000)] // the largest page size
    public void Pages_are_byte_for_byte_those_the_Utf8JsonWriter_generator_wrote(int seed, int epoch, int total, int skip, int limit)
    {
        var fast = SyntheticSource.GeneratePage(seed, epoch, total, skip, limit);
        var reference = ReferencePage(seed, epoch, total, skip, limit);

        Assert.Equal(reference.Length, fast.Length);
        Assert.True(reference.AsSpan().SequenceEqual(fast), "the page's bytes differ from the reference generator's");
    }

    [Fact]
    public void Pages_depend_on_the_seed_and_parse_to_the_ids_asked_for()
    {
        var a = SyntheticSource.GeneratePage(1, 1, 500, 200, 100);
        var b = SyntheticSource.GeneratePage(2, 1, 500, 200, 100);

        Assert.False(a.AsSpan().SequenceEqual(b));
        var parsed = Parse(a);
        Assert.Empty(parsed.Rejections);
        Assert.Equal(Enumerable.Range(201, 100).Select(i => i.ToString(CultureInfo.InvariantCulture)), parsed.Products.Select(p => p.SourceId));
        Assert.All(parsed.Products, p => Assert.Equal(SyntheticSource.PriceAt(1, 1, int.Parse(p.SourceId, CultureInfo.InvariantCulture)), p.Price));
    }

    private static readonly string[] Categories =
    [
        "beauty", "fragrances", "furniture", "groceries", "home-decoration", "kitchen-accessories", "laptops", "mens-shirts",
        "mens-shoes", "mens-watches", "mobile-accessories", "motorcycle", "skin-care", "smartphones", "sports-accessories",
        "sunglasses", "tablets", "tops", "vehicle", "womens-bags", "womens-dresses", "womens-jewellery", "womens-shoes", "womens-watches",
    ];

    private static readonly string[] Adjectives =
        ["Classic", "Premium", "Compact", "Deluxe", "Eco", "Smart", "Vintage", "Ultra", "Lightweight", "Rugged", "Elegant", "Modern"];

    private static readonly string[] Nouns =
        ["Lamp", "Backpack", "Watch", "Headphones", "Kettle", "Chair", "Jacket", "Sneakers", "Bottle", "Phone Case", "Blender", "Desk"];

    private static readonly string[] Brands = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne"];

    /// <summary>The generator as it was written first (Utf8JsonWriter, decimal arithmetic, formatted strings): the bytes to keep.</summary>
    private static byte[] ReferencePage(int seed, int epoch, int total, int skip, int limit)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(1024, limit * 420));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("products");
            var end = Math.Min(total, skip + limit);
            for (var id = skip + 1; id <= end; id++) ReferenceProduct(w, seed, epoch, id);
            w.WriteEndArray();
            w.WriteNumber("total", total);
            w.WriteNumber("skip", skip);
            w.WriteNumber("limit", Math.Max(0, end - skip));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static decimal ReferencePrice(int seed, int epoch, int id)
    {
        var h = Mix((ulong)(uint)seed, (ulong)id, 1);
        var basePrice = 1m + (h % 99_900) / 100m;
        var drift = Mix((ulong)(uint)seed, (ulong)id, 1000UL + (ulong)(uint)epoch);
        if (drift % 10 != 0) return basePrice;
        var percent = (int)(drift / 10 % 31) - 15;
        if (percent == 0) percent = 5;
        return Math.Round(basePrice * (100 + percent) / 100m, 2, MidpointRounding.AwayFromZero);
    }

    private static void ReferenceProduct(Utf8JsonWriter w, int seed, int epoch, int id)
    {
        var h = Mix((ulong)(uint)seed, (ulong)id, 2);
        var category = Categories[h % (ulong)Categories.Length];
        var adjective = Adjectives[(h >> 8) % (ulong)Adjectives.Length];
        var noun = Nouns[(h >> 16) % (ulong)Nouns.Length];
        var stock = (int)((h >> 24) % 150);
        var rating = Math.Round(1m + ((h >> 32) % 400) / 100m, 2);
        var discount = Math.Round(((h >> 40) % 2000) / 100m, 2);
        w.WriteStartObject();
        w.WriteNumber("id", id);
        w.WriteString("title", string.Create(CultureInfo.InvariantCulture, $"{adjective} {noun} {id}"));
        w.WriteString("description", string.Create(CultureInfo.InvariantCulture,
            $"A {adjective.ToLowerInvariant()} {noun.ToLowerInvariant()} from the synthetic catalog (item {id})."));
        w.WriteString("category", category);
        w.WriteNumber("price", ReferencePrice(seed, epoch, id));
        w.WriteNumber("discountPercentage", discount);
        w.WriteNumber("rating", rating);
        w.WriteNumber("stock", stock);
        w.WriteStartArray("tags");
        w.WriteStringValue(category);
        w.WriteStringValue(noun.ToLowerInvariant());
        w.WriteEndArray();
        if ((h >> 48) % 2 == 0) w.WriteString("brand", Brands[(h >> 50) % (ulong)Brands.Length]);
        w.WriteString("sku", string.Create(CultureInfo.InvariantCulture, $"SYN-{id:D8}"));
        w.WriteString("availabilityStatus", stock == 0 ? "Out of Stock" : stock < 10 ? "Low Stock" : "In Stock");
        w.WriteString("thumbnail", string.Create(CultureInfo.InvariantCulture, $"https://example.invalid/synthetic/{id}.webp"));
        w.WriteEndObject();
    }

    private static ulong Mix(ulong a, ulong b, ulong c)
    {
        var x = a * 0x9E3779B97F4A7C15UL ^ b * 0xC2B2AE3D27D4EB4FUL ^ c * 0x165667B19E3779F9UL;
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }
}
