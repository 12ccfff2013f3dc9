using System.Text;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>The pages the transform benchmarks parse: Synthetic pages, and the real DummyJSON fixture in its envelope.</summary>
public static class TransformInputs
{
    public const int Seed = 42;
    public const int Epoch = 1;

    /// <summary>Synthetic pages of <paramref name="pageSize"/> products, <paramref name="products"/> in all.</summary>
    public static List<byte[]> SyntheticPages(int products, int pageSize)
    {
        var pages = new List<byte[]>();
        for (var skip = 0; skip < products; skip += pageSize)
            pages.Add(SyntheticSource.GeneratePage(Seed, Epoch, products, skip, Math.Min(pageSize, products - skip)));
        return pages;
    }

    /// <summary>The real DummyJSON catalog (194 products, a bare array) wrapped in the API's page envelope.</summary>
    public static byte[] FixturePage()
    {
        var array = File.ReadAllBytes(FixturePath("dummyjson", "products.json"));
        var count = CountTopLevelObjects(array);
        var head = "{\"products\":"u8.ToArray();
        var tail = Encoding.UTF8.GetBytes($",\"total\":{count},\"skip\":0,\"limit\":{count}}}");
        return [.. head, .. array, .. tail];
    }

    private static int CountTopLevelObjects(byte[] array)
    {
        var reader = new System.Text.Json.Utf8JsonReader(array);
        var count = 0;
        while (reader.Read())
            if (reader.TokenType == System.Text.Json.JsonTokenType.StartObject && reader.CurrentDepth == 1) count++;
        return count;
    }

    /// <summary>../shared/fixtures, found above the binaries (or PIPELINE_SHARED_DIR), as the tests find it.</summary>
    public static string FixturePath(params string[] parts)
    {
        var overridden = Environment.GetEnvironmentVariable("PIPELINE_SHARED_DIR");
        if (!string.IsNullOrEmpty(overridden)) return Path.Combine([overridden, "fixtures", .. parts]);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate)) return Path.Combine([candidate, .. parts]);
        }
        throw new DirectoryNotFoundException("Could not find shared/fixtures above " + AppContext.BaseDirectory + "; set PIPELINE_SHARED_DIR.");
    }

    /// <summary>Writes the pages as page-NNNNNN.json files in a new folder and returns it.</summary>
    public static string WriteFiles(IReadOnlyList<byte[]> pages, string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pipeline-bench", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        for (var i = 0; i < pages.Count; i++) File.WriteAllBytes(Path.Combine(dir, $"page-{i:D6}.json"), pages[i]);
        return dir;
    }
}
