using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>A public product catalog: plans its pages and fetches one page at a time.</summary>
public interface IProductSource
{
    /// <summary>Lower-case name used in the API, the raw keys and product ids.</summary>
    string Name { get; }

    CatalogFormat Format { get; }

    /// <summary>Validates and normalises run options; throws <see cref="InvalidOptionException"/> naming the option.</summary>
    IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options);

    Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct);

    /// <summary>Fetches one page; throws <see cref="SourceFetchException"/> when the source cannot serve it.</summary>
    Task<FetchedPage> FetchAsync(FetchTask task, CancellationToken ct);
}
