namespace Pipeline.Tests.Support;

/// <summary>
/// Locates ../shared/fixtures (the real DummyJSON/FakeStore data, AWS sample events, service models, SigV4 vectors).
/// They are read in place, never copied into the repo. Override with PIPELINE_SHARED_DIR.
/// </summary>
public static class SharedFixtures
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string Directory => Root.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root.Value, .. parts]);

    public static byte[] ReadBytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    public static string ReadText(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string Locate()
    {
        var overridden = Environment.GetEnvironmentVariable("PIPELINE_SHARED_DIR");
        if (!string.IsNullOrEmpty(overridden))
        {
            var candidate = Path.Combine(overridden, "fixtures");
            if (System.IO.Directory.Exists(candidate)) return candidate;
            throw new DirectoryNotFoundException($"PIPELINE_SHARED_DIR is set to '{overridden}' but it has no fixtures folder.");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException(
            "Could not find shared/fixtures above " + AppContext.BaseDirectory + "; set PIPELINE_SHARED_DIR to the shared folder.");
    }
}
