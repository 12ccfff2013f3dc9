using System.Globalization;
using System.Net;
using System.Text.Json;
using Pipeline.Core.Sources;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api;

/// <summary>
/// <c>GET /api/metrics/price-changes/summary</c> on the wire: <c>{drops, rises, buckets: [{start, drops, rises}]}</c>
/// counted over the whole window by the real (embedded) warehouse, and 400 problem details naming a bad parameter.
/// Field names are read from the JSON itself, as scripts read them.
/// </summary>
public sealed class PriceChangeSummaryApiTests : IClassFixture<PriceChangeSummaryApiTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public PipelineAppFactory Factory { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Factory = new PipelineAppFactory();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private const int Count = 600;

    private readonly App _app;

    public PriceChangeSummaryApiTests(App app) => _app = app;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task Counts_every_change_of_two_runs_with_the_contract_shape()
    {
        using var api = _app.Factory.CreateApiClient();
        // The same catalog under two seeds: nearly every price differs, far more changes than the latest-200 list holds.
        await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = Count, seed = 1, epoch = 0 }));
        await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = Count, seed = 2, epoch = 0 }));
        var moves = Enumerable.Range(1, Count).Select(id => SyntheticSource.PriceAt(2, 0, id) - SyntheticSource.PriceAt(1, 0, id)).ToList();
        var (drops, rises) = (moves.Count(m => m < 0), moves.Count(m => m > 0));
        Assert.True(drops + rises > 200, $"only {drops + rises} changes");

        var hourly = await JsonAsync(await api.GetAsync("/api/metrics/price-changes/summary?hours=24"));
        var daily = await JsonAsync(await api.GetAsync("/api/metrics/price-changes/summary?source=synthetic&hours=24&bucket=day"));
        var other = await JsonAsync(await api.GetAsync("/api/metrics/price-changes/summary?source=dummyjson"));

        foreach (var summary in new[] { hourly, daily, other })
        {
            Assert.Equal(["drops", "rises", "buckets"], summary.EnumerateObject().Select(p => p.Name));
            var buckets = summary.GetProperty("buckets").EnumerateArray().ToList();
            Assert.All(buckets, b => Assert.Equal(["start", "drops", "rises"], b.EnumerateObject().Select(p => p.Name)));
            var starts = buckets.Select(b => DateTimeOffset.Parse(b.GetProperty("start").GetString()!, CultureInfo.InvariantCulture)).ToList();
            Assert.All(starts, s => Assert.Equal(TimeSpan.Zero, s.Offset));
            Assert.Equal(starts.Order(), starts);
            Assert.Equal(summary.GetProperty("drops").GetInt64(), buckets.Sum(b => b.GetProperty("drops").GetInt64()));
            Assert.Equal(summary.GetProperty("rises").GetInt64(), buckets.Sum(b => b.GetProperty("rises").GetInt64()));
        }
        Assert.Equal((drops, rises), (hourly.GetProperty("drops").GetInt32(), hourly.GetProperty("rises").GetInt32()));
        Assert.Equal(25, hourly.GetProperty("buckets").GetArrayLength());
        Assert.Equal((drops, rises), (daily.GetProperty("drops").GetInt32(), daily.GetProperty("rises").GetInt32()));
        Assert.Equal(2, daily.GetProperty("buckets").GetArrayLength()); // yesterday (24 h back) and today
        Assert.Equal((0, 0), (other.GetProperty("drops").GetInt32(), other.GetProperty("rises").GetInt32()));
        Assert.Equal(8, other.GetProperty("buckets").GetArrayLength()); // 168 hours by default, per day: 7 days back to today
        // The list keeps its own route beside the summary.
        var latest = await JsonAsync(await api.GetAsync("/api/metrics/price-changes?limit=500"));
        Assert.Equal(Math.Min(500, drops + rises), latest.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("hours=0", "hours")]
    [InlineData("hours=-1", "hours")]
    [InlineData("hours=x", "hours")]
    [InlineData("hours=1.5", "hours")]
    [InlineData("hours=8785", "hours")]
    [InlineData("bucket=week", "bucket")]
    [InlineData("bucket=Hour", "bucket")]
    [InlineData("hours=24&bucket=minute", "bucket")]
    [InlineData("hours=745&bucket=hour", "bucket")]
    public async Task Invalid_parameters_get_400_naming_the_field(string query, string field)
    {
        using var api = _app.Factory.CreateApiClient();

        var response = await api.GetAsync("/api/metrics/price-changes/summary?" + query);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("hours=8784&bucket=day", 367)]
    [InlineData("hours=48", 49)]
    [InlineData("hours=96", 5)]
    [InlineData("hours=72&bucket=day", 4)]
    [InlineData("hours=1&bucket=hour", 2)]
    public async Task The_bucket_defaults_to_hours_up_to_48_hours_and_days_beyond(string query, int buckets)
    {
        using var api = _app.Factory.CreateApiClient();

        var summary = await JsonAsync(await api.GetAsync("/api/metrics/price-changes/summary?" + query));

        // From the bucket holding now - hours to the one holding now: n hours are n + 1 hourly buckets, and whole days
        // of hours one daily bucket more than the days, whatever the time of day.
        Assert.Equal(buckets, summary.GetProperty("buckets").GetArrayLength());
    }

    [Fact]
    public async Task The_summary_needs_an_api_key()
    {
        using var anonymous = _app.Factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/metrics/price-changes/summary")).StatusCode);
    }
}
