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
