using System.Diagnostics;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>Where the transform's time goes per product: the whole parse, and its pieces timed on their own (best of N).</summary>
public static class TransformProfile
{
    public static void Run(int products)
    {
        var pages = TransformInputs.SyntheticPages(products, 100);
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
        Piece("CatalogPageParser.Parse (all of it)", () => { foreach (var p in pages) TransformWork.Parse(p); });
        Piece("  ContentHash.Of", () => { foreach (var p in parsed) ContentHash.Of(p); });
        var block = new byte[300];
        Piece("  SHA256.HashData of 300 bytes", () => { Span<byte> h = stackalloc byte[32]; foreach (var _ in parsed) System.Security.Cryptography.SHA256.HashData(block, h); });
        using var incremental = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Piece("  IncrementalHash (reused) of 300 bytes", () => { Span<byte> h = stackalloc byte[32]; foreach (var _ in parsed) { incremental.AppendData(block); incremental.GetHashAndReset(h); } });
        Piece("  ContentHash.Canonical × 3", () => { foreach (var p in parsed) { ContentHash.Canonical(p.Price); ContentHash.Canonical(p.Rating); ContentHash.Canonical(p.DiscountPercentage); } });
        Piece("  Slug.From(category) × 2 + availability", () => { foreach (var p in parsed) { Slug.From(p.Category); Slug.From(p.Category); Slug.From(p.Availability!); } });
        Piece("  Product `with` copy", () => { foreach (var p in parsed) _ = p with { ContentHash = "x" }; });
        Report.Print(table);
    }
}
