using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>Where the transform's time goes per product: the whole parse, and its pieces timed on their own (best of N).</summary>
public static class TransformProfile
{
    /// <summary>Prints the table; with PIPELINE_PERF_LOOPS=N set, only parses the pages N times (for perf record, DOTNET_PerfMapEnabled=1).</summary>
    public static void Run(int products)
    {
        var pages = TransformInputs.SyntheticPages(products, 100);
        if (int.TryParse(Environment.GetEnvironmentVariable("PIPELINE_PERF_LOOPS"), out var perfLoops) && perfLoops > 0)
        {
            for (var i = 0; i < perfLoops; i++) foreach (var p in pages) TransformWork.Parse(p);
            return;
        }
        var parsed = pages.SelectMany(p => CatalogPageParser.Parse(p, CatalogFormat.DummyJson, new ParseContext("synthetic", "r", "k", DateTimeOffset.UnixEpoch)).Products).ToList();
        var table = new Table($"Transform profile: CPU ns per product over {products:N0} Synthetic products (best of 7)", "piece", "CPU ns/product", "allocated B/product");
        void Piece(string name, Action action)
        {
            action();
            var best = double.MaxValue;
            long allocated = 0;
            for (var i = 0; i < 7; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var started = CpuClock.ProcessSeconds();
                action();
                best = Math.Min(best, (CpuClock.ProcessSeconds() - started) * 1e9);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            table.Add(name, best / parsed.Count, allocated / (double)parsed.Count);
        }
        Piece("bare Utf8JsonReader pass", () => { foreach (var p in pages) TransformWork.BarePass(p); });
        Piece("SyntheticSource.GeneratePage (pages of 100)", () => TransformInputs.SyntheticPages(products, 100));
        Piece("CatalogPageParser.Parse (all of it)", () => { foreach (var p in pages) TransformWork.Parse(p); });
        Piece("  ContentHash.Of", () => { foreach (var p in parsed) ContentHash.Of(p); });
        var block = new byte[300];
        Piece("  XxHash128 of 300 bytes", () => { Span<byte> h = stackalloc byte[16]; foreach (var _ in parsed) System.IO.Hashing.XxHash128.Hash(block, h); });
        Piece("  SHA256.HashData of 300 bytes (the former hash)", () => { Span<byte> h = stackalloc byte[32]; foreach (var _ in parsed) System.Security.Cryptography.SHA256.HashData(block, h); });
        Piece("  ContentHash.WriteCanonical × 3", () =>
        {
            Span<byte> text = stackalloc byte[32];
            foreach (var p in parsed)
            {
                ContentHash.WriteCanonical(p.Price, text);
                if (p.Rating is { } rating) ContentHash.WriteCanonical(rating, text);
                if (p.DiscountPercentage is { } discount) ContentHash.WriteCanonical(discount, text);
            }
        });
        Piece("  Slug.From(category) + Slug.From(availability)", () => { foreach (var p in parsed) { Slug.From(p.Category); Slug.From(p.Availability!); } });
        Piece("  Product `with` copy", () => { foreach (var p in parsed) _ = p with { ContentHash = "x" }; });
        Report.Print(table);
    }
}
