using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Tests.Support;

/// <summary>Synthetic products as the transform parses them (content hash included), in pages of 100.</summary>
public static class SyntheticProducts
{
    public static List<Product> Parsed(int count, int seed, int epoch, string runId, DateTimeOffset observedAt) =>
        Enumerable.Range(0, (count + 99) / 100)
            .SelectMany(page => CatalogPageParser.Parse(SyntheticSource.GeneratePage(seed, epoch, count, page * 100, Math.Min(100, count - page * 100)),
                CatalogFormat.DummyJson, new ParseContext("synthetic", runId, "k", observedAt)).Products)
            .ToList();
}
