using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Sources;

/// <summary><c>Pipeline:Sources:Synthetic</c>: defaults for the offline generator.</summary>
public sealed class SyntheticOptions
{
    public const string Section = "Pipeline:Sources:Synthetic";

    [Range(1, 10_000_000)]
    public int DefaultCount { get; set; } = 1000;

    /// <summary>The largest page size a run may ask for: the same bound as the HTTP sources'.</summary>
    public const int MaxPageSize = 1000;

    [Range(1, MaxPageSize)]
    public int PageSize { get; set; } = 100;

    public int DefaultSeed { get; set; } = 42;
}
