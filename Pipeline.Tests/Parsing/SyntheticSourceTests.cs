using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;

namespace Pipeline.Tests.Parsing;

public sealed class SyntheticSourceTests
{
    private static readonly SyntheticSource Source = new(Options.Create(new SyntheticOptions()), TimeProvider.System);

    private static FetchTask Task(int skip, int limit, int epoch, int count = 1000, int seed = 42) => new()
    {
        RunId = "r", Source = "synthetic", Page = 1, Skip = skip, Limit = limit, RunDate = new DateOnly(2026, 1, 1),
        Options = new Dictionary<string, string> { ["count"] = $"{count}", ["seed"] = $"{seed}", ["epoch"] = $"{epoch}" },
    };

    private static ParseResult Parse(byte[] bytes) =>
        CatalogPageParser.Parse(bytes, CatalogFormat.DummyJson, new ParseContext("synthetic", "r", "k", DateTimeOffset.UnixEpoch));

    [Fact]
    public async Task Same_seed_and_epoch_give_identical_bytes_that_parse_cleanly()
    {
        var a = await Source.FetchAsync(Task(100, 100, 7), CancellationToken.None);
        var b = await Source.FetchAsync(Task(100, 100, 7), CancellationToken.None);

        Assert.Equal(a.Bytes, b.Bytes);
        var parsed = Parse(a.Bytes);
        Assert.Empty(parsed.Rejections);
        Assert.Equal(100, parsed.Products.Count);
        Assert.Equal(Enumerable.Range(101, 100).Select(i => i.ToString()), parsed.Products.Select(p => p.SourceId));
        Assert.Equal(1000, parsed.Total);
    }

    [Fact]
    public async Task Prices_drift_for_some_products_between_epochs_and_nothing_else_changes()
    {
        var before = Parse((await Source.FetchAsync(Task(0, 1000, 1), CancellationToken.None)).Bytes).Products;
        var after = Parse((await Source.FetchAsync(Task(0, 1000, 2), CancellationToken.None)).Bytes).Products;

        var changed = before.Zip(after).Count(pair => pair.First.Price != pair.Second.Price);
        Assert.InRange(changed, 50, 400);
        Assert.All(before.Zip(after), pair => Assert.Equal(pair.First.Title, pair.Second.Title));
    }

    [Fact]
    public async Task Plan_covers_count_exactly_with_a_short_last_page()
    {
        var options = Source.NormalizeOptions(new Dictionary<string, string> { ["count"] = "250", ["pageSize"] = "100", ["epoch"] = "1" });
        var plan = await Source.PlanAsync(options, CancellationToken.None);

        Assert.Equal([100, 100, 50], plan.Select(p => p.Limit));
        Assert.Equal([0, 100, 200], plan.Select(p => p.Skip));
    }

    [Theory]
    [InlineData("count", "0")]
    [InlineData("count", "abc")]
    [InlineData("pageSize", "100000")]
    [InlineData("color", "red")]
    public void Invalid_options_name_the_field(string name, string value)
    {
        var ex = Assert.Throws<InvalidOptionException>(() => Source.NormalizeOptions(new Dictionary<string, string> { [name] = value }));
        Assert.Equal($"options.{name}", ex.Field);
    }
}
