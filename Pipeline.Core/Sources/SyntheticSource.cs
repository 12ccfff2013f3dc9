using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>
/// An offline, deterministic catalog in DummyJSON's shape, for demos and load. Options: <c>count</c>, <c>seed</c>,
/// <c>pageSize</c>, <c>epoch</c>. The same (seed, epoch) always yields the same bytes; a new epoch (each run gets one by
/// default) moves about one price in ten, so price history grows between runs.
/// </summary>
public sealed class SyntheticSource(IOptions<SyntheticOptions> options, TimeProvider clock) : IProductSource
{
    public const string SourceName = "synthetic";
    private readonly SyntheticOptions _options = options.Value;

    public string Name => SourceName;
    public CatalogFormat Format => CatalogFormat.DummyJson;

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

    public IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options)
    {
        OptionReader.RejectUnknown(options, "count", "seed", "pageSize", "epoch");
        var epoch = options.ContainsKey("epoch")
            ? OptionReader.ReadInt(options, "epoch", 0, 0, int.MaxValue)
            : (int)(clock.GetUtcNow().ToUnixTimeSeconds() / 60);
        return new Dictionary<string, string>
        {
            ["count"] = OptionReader.ReadInt(options, "count", _options.DefaultCount, 1, 10_000_000).ToString(CultureInfo.InvariantCulture),
            ["seed"] = OptionReader.ReadInt(options, "seed", _options.DefaultSeed, int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture),
            ["pageSize"] = OptionReader.ReadInt(options, "pageSize", _options.PageSize, 1, 10_000).ToString(CultureInfo.InvariantCulture),
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
        };
    }

    public Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct)
    {
        var count = OptionReader.ReadInt(options, "count", _options.DefaultCount, 1, 10_000_000);
        var pageSize = OptionReader.ReadInt(options, "pageSize", _options.PageSize, 1, 10_000);
        var pages = new List<PagePlan>((count + pageSize - 1) / pageSize);
        for (var skip = 0; skip < count; skip += pageSize)
            pages.Add(new PagePlan(pages.Count + 1, skip, Math.Min(pageSize, count - skip)));
        return Task.FromResult<IReadOnlyList<PagePlan>>(pages);
    }

    public Task<FetchedPage> FetchAsync(FetchTask task, CancellationToken ct)
    {
        var count = OptionReader.ReadInt(task.Options, "count", _options.DefaultCount, 1, 10_000_000);
        var seed = OptionReader.ReadInt(task.Options, "seed", _options.DefaultSeed, int.MinValue, int.MaxValue);
        var epoch = OptionReader.ReadInt(task.Options, "epoch", 0, 0, int.MaxValue);
        var bytes = GeneratePage(seed, epoch, count, task.Skip, task.Limit);
        var url = string.Create(CultureInfo.InvariantCulture,
            $"synthetic://products?seed={seed}&epoch={epoch}&skip={task.Skip}&limit={task.Limit}");
        return Task.FromResult(new FetchedPage(bytes, url, "application/json"));
    }

    /// <summary>Writes one DummyJSON-shaped page; public for benchmarks and tests.</summary>
    public static byte[] GeneratePage(int seed, int epoch, int total, int skip, int limit)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(1024, limit * 420));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("products");
            var end = Math.Min(total, skip + limit);
            for (var id = skip + 1; id <= end; id++) WriteProduct(w, seed, epoch, id);
            w.WriteEndArray();
            w.WriteNumber("total", total);
            w.WriteNumber("skip", skip);
            w.WriteNumber("limit", Math.Max(0, end - skip));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The price product <paramref name="id"/> has at <paramref name="epoch"/>.</summary>
    public static decimal PriceAt(int seed, int epoch, int id)
    {
        var h = Mix((ulong)(uint)seed, (ulong)id, 1);
        var basePrice = 1m + (h % 99_900) / 100m; // 1.00 .. 999.99
        var drift = Mix((ulong)(uint)seed, (ulong)id, 1000UL + (ulong)(uint)epoch);
        if (drift % 10 != 0) return basePrice;
        var percent = (int)(drift / 10 % 31) - 15; // -15% .. +15%
        if (percent == 0) percent = 5;
        return Math.Round(basePrice * (100 + percent) / 100m, 2, MidpointRounding.AwayFromZero);
    }

    private static void WriteProduct(Utf8JsonWriter w, int seed, int epoch, int id)
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
        w.WriteNumber("price", PriceAt(seed, epoch, id));
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
