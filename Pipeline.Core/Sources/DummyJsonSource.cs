using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>
/// DummyJSON: envelope pages with <c>limit</c>/<c>skip</c>; the answered <c>limit</c> is the count returned, so the plan
/// comes from <c>total</c> (see fixtures/dummyjson/api-notes.md).
/// </summary>
public sealed class DummyJsonSource(HttpClient http, IOptions<DummyJsonOptions> options, ILogger<DummyJsonSource> logger)
    : HttpCatalogSource(http, options.Value, logger)
{
    public const string SourceName = "dummyjson";
    public override string Name => SourceName;
    public override CatalogFormat Format => CatalogFormat.DummyJson;

    public override IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options)
    {
        OptionReader.RejectUnknown(options, "pageSize", "maxPages");
        var normalized = new Dictionary<string, string>
        {
            ["pageSize"] = OptionReader.ReadInt(options, "pageSize", Options.PageSize, 1, 1000).ToString(CultureInfo.InvariantCulture),
        };
        if (options.ContainsKey("maxPages"))
            normalized["maxPages"] = OptionReader.ReadInt(options, "maxPages", 0, 1, 100_000).ToString(CultureInfo.InvariantCulture);
        return normalized;
    }

    public override async Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct)
    {
        var pageSize = OptionReader.ReadInt(options, "pageSize", Options.PageSize, 1, 1000);
        var maxPages = OptionReader.ReadInt(options, "maxPages", int.MaxValue, 1, int.MaxValue);
        var probeUrl = new Uri(new Uri(Options.BaseUrl.TrimEnd('/') + "/"), "products?limit=1&skip=0&select=id");
        var probe = await GetBytesAsync(probeUrl, ct).ConfigureAwait(false);
        var parsed = CatalogPageParser.Parse(probe, CatalogFormat.DummyJson, new ParseContext(Name, "plan", "plan", DateTimeOffset.UtcNow));
        if (parsed.PageError is not null || parsed.Total is not { } total)
            throw new SourceFetchException($"{Name}: could not read 'total' from {probeUrl}: {parsed.PageError ?? "no total in the envelope"}");
        var pages = new List<PagePlan>();
        for (var skip = 0; skip < total && pages.Count < maxPages; skip += pageSize)
            pages.Add(new PagePlan(pages.Count + 1, skip, pageSize));
        return pages;
    }

    protected override string PagePath(FetchTask task) =>
        string.Create(CultureInfo.InvariantCulture, $"products?limit={task.Limit}&skip={task.Skip}");
}
