using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>
/// An offline, deterministic catalog in DummyJSON's shape, for demos and load. Options: <c>count</c>, <c>seed</c>,
/// <c>pageSize</c>, <c>epoch</c>. The same (seed, epoch) always yields the same bytes; a new epoch (each run gets one by
/// default) moves about one price in ten, so price history grows between runs. <c>pageSize</c> is 1 to 1000 (as for the
/// HTTP sources) and a run plans at most <see cref="RunLimitsOptions.MaxPagesPerRun"/> pages (<c>count / pageSize</c>,
/// rounded up).
/// </summary>
public sealed class SyntheticSource(IOptions<SyntheticOptions> options, TimeProvider clock, IOptions<RunLimitsOptions>? limits = null)
    : IProductSource
{
    public const string SourceName = "synthetic";
    private readonly SyntheticOptions _options = options.Value;
    private readonly int _maxPages = (limits?.Value ?? new RunLimitsOptions()).MaxPagesPerRun;

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
        var count = OptionReader.ReadInt(options, "count", _options.DefaultCount, 1, 10_000_000);
        var pageSize = OptionReader.ReadInt(options, "pageSize", _options.PageSize, 1, SyntheticOptions.MaxPageSize);
        var pages = (count + (long)pageSize - 1) / pageSize;
        if (pages > _maxPages)
            throw new InvalidOptionException("options.pageSize", string.Create(CultureInfo.InvariantCulture,
                $"{count:N0} products in pages of {pageSize:N0} make {pages:N0} pages; a run may have at most {_maxPages:N0} ({RunLimitsOptions.Section}:MaxPagesPerRun). Use a pageSize of at least {(count + (long)_maxPages - 1) / _maxPages:N0} or a smaller count."));
        return new Dictionary<string, string>
        {
            ["count"] = count.ToString(CultureInfo.InvariantCulture),
            ["seed"] = OptionReader.ReadInt(options, "seed", _options.DefaultSeed, int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture),
            ["pageSize"] = pageSize.ToString(CultureInfo.InvariantCulture),
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
        };
    }

    public Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct)
    {
        var count = OptionReader.ReadInt(options, "count", _options.DefaultCount, 1, 10_000_000);
        var pageSize = OptionReader.ReadInt(options, "pageSize", _options.PageSize, 1, SyntheticOptions.MaxPageSize);
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

    /// <summary>
    /// Writes one DummyJSON-shaped page (compact JSON, as <see cref="Utf8JsonWriter"/> writes it); public for benchmarks
    /// and tests. The text is written straight as UTF-8 into a pooled buffer: every value is ASCII that JSON needs no
    /// escape for, and the numbers are written from integers, so a product costs no string and no decimal arithmetic
    /// (except the one product in ten whose price drifts).
    /// </summary>
    public static byte[] GeneratePage(int seed, int epoch, int total, int skip, int limit)
    {
        var end = Math.Min(total, skip + limit);
        var count = Math.Max(0, end - skip);
        var rented = ArrayPool<byte>.Shared.Rent(Envelope + count * MaxProductBytes);
        try
        {
            var page = new PageText(rented);
            page.Append("{\"products\":["u8);
            for (var id = skip + 1; id <= end; id++)
            {
                if (id > skip + 1) page.Append((byte)',');
                WriteProduct(ref page, seed, epoch, id);
            }
            page.Append("],\"total\":"u8);
            page.Append(total);
            page.Append(",\"skip\":"u8);
            page.Append(skip);
            page.Append(",\"limit\":"u8);
            page.Append(count);
            page.Append((byte)'}');
            return page.Written.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Bytes of the envelope around the products, at most; and of one product, at most (about 360 is usual).</summary>
    private const int Envelope = 128, MaxProductBytes = 640;

    /// <summary>The price product <paramref name="id"/> has at <paramref name="epoch"/>.</summary>
    public static decimal PriceAt(int seed, int epoch, int id)
    {
        var basePrice = 1m + BasePriceCents(seed, id) % 99_900 / 100m; // 1.00 .. 999.99
        return Drift(seed, epoch, id) is { } percent
            ? Math.Round(basePrice * (100 + percent) / 100m, 2, MidpointRounding.AwayFromZero)
            : basePrice;
    }

    private static ulong BasePriceCents(int seed, int id) => Mix((ulong)(uint)seed, (ulong)id, 1);

    /// <summary>The percentage (-15 .. +15, never 0) by which the price moves at this epoch, for about one product in ten.</summary>
    private static int? Drift(int seed, int epoch, int id)
    {
        var drift = Mix((ulong)(uint)seed, (ulong)id, 1000UL + (ulong)(uint)epoch);
        if (drift % 10 != 0) return null;
        var percent = (int)(drift / 10 % 31) - 15;
        return percent == 0 ? 5 : percent;
    }

    private static readonly byte[][] CategoryBytes = [.. Categories.Select(Encoding.UTF8.GetBytes)];
    private static readonly byte[][] AdjectiveBytes = [.. Adjectives.Select(Encoding.UTF8.GetBytes)];
    private static readonly byte[][] AdjectiveLowerBytes = [.. Adjectives.Select(a => Encoding.UTF8.GetBytes(a.ToLowerInvariant()))];
    private static readonly byte[][] NounBytes = [.. Nouns.Select(Encoding.UTF8.GetBytes)];
    private static readonly byte[][] NounLowerBytes = [.. Nouns.Select(n => Encoding.UTF8.GetBytes(n.ToLowerInvariant()))];
    private static readonly byte[][] BrandBytes = [.. Brands.Select(Encoding.UTF8.GetBytes)];

    private static void WriteProduct(ref PageText w, int seed, int epoch, int id)
    {
        var h = Mix((ulong)(uint)seed, (ulong)id, 2);
        var category = (int)(h % (ulong)Categories.Length);
        var adjective = (int)((h >> 8) % (ulong)Adjectives.Length);
        var noun = (int)((h >> 16) % (ulong)Nouns.Length);
        var stock = (int)((h >> 24) % 150);
        w.Append("{\"id\":"u8);
        w.Append(id);
        w.Append(",\"title\":\""u8);
        w.Append(AdjectiveBytes[adjective]);
        w.Append((byte)' ');
        w.Append(NounBytes[noun]);
        w.Append((byte)' ');
        w.Append(id);
        w.Append("\",\"description\":\"A "u8);
        w.Append(AdjectiveLowerBytes[adjective]);
        w.Append((byte)' ');
        w.Append(NounLowerBytes[noun]);
        w.Append(" from the synthetic catalog (item "u8);
        w.Append(id);
        w.Append(").\",\"category\":\""u8);
        w.Append(CategoryBytes[category]);
        w.Append("\",\"price\":"u8);
        if (Drift(seed, epoch, id) is null) w.AppendHundredths(100 + (long)(BasePriceCents(seed, id) % 99_900));
        else w.Append(PriceAt(seed, epoch, id));
        w.Append(",\"discountPercentage\":"u8);
        w.AppendHundredths((long)((h >> 40) % 2000));
        w.Append(",\"rating\":"u8);
        w.AppendHundredths(100 + (long)((h >> 32) % 400));
        w.Append(",\"stock\":"u8);
        w.Append(stock);
        w.Append(",\"tags\":[\""u8);
        w.Append(CategoryBytes[category]);
        w.Append("\",\""u8);
        w.Append(NounLowerBytes[noun]);
        w.Append("\"],"u8);
        if ((h >> 48) % 2 == 0)
        {
            w.Append("\"brand\":\""u8);
            w.Append(BrandBytes[(h >> 50) % (ulong)Brands.Length]);
            w.Append("\","u8);
        }
        w.Append("\"sku\":\"SYN-"u8);
        w.Append(id, "D8");
        w.Append("\",\"availabilityStatus\":\""u8);
        w.Append(stock == 0 ? "Out of Stock"u8 : stock < 10 ? "Low Stock"u8 : "In Stock"u8);
        w.Append("\",\"thumbnail\":\"https://example.invalid/synthetic/"u8);
        w.Append(id);
        w.Append(".webp\"}"u8);
    }

    /// <summary>A page's UTF-8 text being written into a buffer big enough for it.</summary>
    private ref struct PageText(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Append(byte value) => _buffer[_length++] = value;

        public void Append(scoped ReadOnlySpan<byte> text)
        {
            text.CopyTo(_buffer[_length..]);
            _length += text.Length;
        }

        public void Append(int value, string? format = null)
        {
            value.TryFormat(_buffer[_length..], out var written, format, CultureInfo.InvariantCulture);
            _length += written;
        }

        public void Append(decimal value)
        {
            value.TryFormat(_buffer[_length..], out var written, default, CultureInfo.InvariantCulture);
            _length += written;
        }

        /// <summary>
        /// A count of hundredths as the decimal <c>hundredths / 100m</c> prints: no trailing zeros in the fraction and no
        /// point without one ("1", "1.5", "1.25"), which is the text the generator's decimal arithmetic always gave.
        /// </summary>
        public void AppendHundredths(long hundredths)
        {
            var whole = hundredths / 100;
            var cents = (int)(hundredths % 100);
            whole.TryFormat(_buffer[_length..], out var written, default, CultureInfo.InvariantCulture);
            _length += written;
            if (cents == 0) return;
            _buffer[_length++] = (byte)'.';
            _buffer[_length++] = (byte)('0' + cents / 10);
            if (cents % 10 != 0) _buffer[_length++] = (byte)('0' + cents % 10);
        }
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
