using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Sources;

/// <summary>An HTTP catalog: <c>Pipeline:Sources:DummyJson</c>, <c>Pipeline:Sources:FakeStore</c>.</summary>
public class HttpSourceOptions
{
    [Required, Url]
    public string BaseUrl { get; set; } = "";

    [Range(1, 1000)]
    public int PageSize { get; set; } = 30;

    /// <summary>A page larger than this is quarantined instead of parsed.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxPageBytes { get; set; } = 16 * 1024 * 1024;

    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 30;
}

public sealed class DummyJsonOptions : HttpSourceOptions
{
    public const string Section = "Pipeline:Sources:DummyJson";

    public DummyJsonOptions()
    {
        BaseUrl = "https://dummyjson.com";
        PageSize = 30;
    }
}

public sealed class FakeStoreOptions : HttpSourceOptions
{
    public const string Section = "Pipeline:Sources:FakeStore";

    public FakeStoreOptions()
    {
        BaseUrl = "https://fakestoreapi.com";
        PageSize = 20;
    }
}

/// <summary><c>Pipeline:Sources:Synthetic</c>: defaults for the offline generator.</summary>
public sealed class SyntheticOptions
{
    public const string Section = "Pipeline:Sources:Synthetic";

    [Range(1, 10_000_000)]
    public int DefaultCount { get; set; } = 1000;

    [Range(1, 10_000)]
    public int PageSize { get; set; } = 100;

    public int DefaultSeed { get; set; } = 42;
}
