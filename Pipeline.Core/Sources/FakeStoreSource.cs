using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>
/// FakeStore: a bare array with no skip parameter, so the whole catalog is one page (<c>limit</c> only; 0 = all).
/// See fixtures/fakestore/api-notes.md.
/// </summary>
public sealed class FakeStoreSource(HttpClient http, IOptions<FakeStoreOptions> options, ILogger<FakeStoreSource> logger)
    : HttpCatalogSource(http, options.Value, logger)
{
    public const string SourceName = "fakestore";
    public override string Name => SourceName;
    public override CatalogFormat Format => CatalogFormat.FakeStore;

    public override IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options)
    {
        OptionReader.RejectUnknown(options, "limit");
        return new Dictionary<string, string>
        {
            ["limit"] = OptionReader.ReadInt(options, "limit", 0, 0, 100_000).ToString(CultureInfo.InvariantCulture),
        };
    }

    public override Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct)
    {
        var limit = OptionReader.ReadInt(options, "limit", 0, 0, 100_000);
        return Task.FromResult<IReadOnlyList<PagePlan>>([new PagePlan(1, 0, limit)]);
    }

    protected override string PagePath(FetchTask task) =>
        task.Limit > 0 ? string.Create(CultureInfo.InvariantCulture, $"products?limit={task.Limit}") : "products";
}
