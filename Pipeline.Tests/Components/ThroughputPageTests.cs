using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Web.Components.Pages;
using Pipeline.Web.Components.Shared;

namespace Pipeline.Tests.Components;

/// <summary>/throughput: the sampler over the real SQLite run store, the per-minute counts over the real folder raw zone.</summary>
public sealed class ThroughputPageTests : MudTestContext
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly PageBackends _backends = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    private ThroughputSampler Sampler(IRunStore runs) => new(runs, new ServiceCollection().BuildServiceProvider(),
        Options.Create(new ThroughputSamplingOptions()), _clock, NullLogger<ThroughputSampler>.Instance);

    private void Use(IRunStore runs, ThroughputSampler sampler)
    {
        Services.AddSingleton(runs);
        Services.AddSingleton<IRawZone>(_backends.RawZone);
        Services.AddSingleton(sampler);
        Services.AddSingleton<TimeProvider>(_clock);
    }

    [Fact]
    public async Task The_sampler_turns_counter_deltas_into_rates()
    {
        var run = await _backends.AddRunAsync("synthetic", RunStatus.Running, TimeSpan.FromMinutes(1), new CounterDelta(Counter.TasksPublished, 100));
        var sampler = Sampler(_backends.Runs);
        await sampler.SampleAsync(CancellationToken.None); // primes: history before the sampler started is not a rate
        Assert.Empty(sampler.Samples);

        await _backends.Runs.IncrementAsync(run.RunId,
            [new CounterDelta(Counter.PagesFetched, 20), new CounterDelta(Counter.RawObjects, 20), new CounterDelta(Counter.RawBytes, 40_960),
             new CounterDelta(Counter.ProductsUpserted, 2000)], CancellationToken.None);
        _clock.Now += TimeSpan.FromSeconds(10);
        await sampler.SampleAsync(CancellationToken.None);

        var sample = Assert.Single(sampler.Samples);
        Assert.Equal((0d, 2d, 2d, 4096d, 200d), (sample.RecordsPublishedPerSecond, sample.RecordsConsumedPerSecond, sample.RawObjectsPerSecond,
            sample.RawBytesPerSecond, sample.ProductsPerSecond));

        // A new run's counters count from zero.
        await _backends.AddRunAsync("dummyjson", RunStatus.Running, TimeSpan.Zero, new CounterDelta(Counter.TasksPublished, 7));
        _clock.Now += TimeSpan.FromSeconds(1);
        await sampler.SampleAsync(CancellationToken.None);
        Assert.Equal(7d, sampler.Samples[^1].RecordsPublishedPerSecond);
    }

    [Fact]
    public async Task Shows_live_rates_raw_objects_per_minute_and_per_run_averages()
    {
        var run = await _backends.AddRunAsync("dummyjson", RunStatus.Succeeded, TimeSpan.FromMinutes(10),
            new CounterDelta(Counter.TasksPublished, 7), new CounterDelta(Counter.PagesFetched, 7), new CounterDelta(Counter.RawObjects, 2),
            new CounterDelta(Counter.RawBytes, 2048), new CounterDelta(Counter.ProductsUpserted, 194));
        await _backends.PutPageAsync(run, 0, "{\"products\":[]}");
        await _backends.PutPageAsync(run, 1, "{\"products\":[1]}");
        var sampler = Sampler(_backends.Runs);
        await sampler.SampleAsync(CancellationToken.None);
        await _backends.Runs.IncrementAsync(run.RunId, [new CounterDelta(Counter.TasksPublished, 50)], CancellationToken.None);
        _clock.Now += TimeSpan.FromSeconds(5);
        await sampler.SampleAsync(CancellationToken.None);
        _clock.Now += TimeSpan.FromSeconds(5);
        await sampler.SampleAsync(CancellationToken.None);
        Use(_backends.Runs, sampler);

        var page = Render<Throughput>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        await page.WaitForAssertionAsync(() => Assert.NotEmpty(page.FindAll("#run-rates-table tbody tr")));
        Assert.Equal("0.0/s", page.Find("#rate-published [data-value]").GetAttribute("data-value")); // the latest sample: nothing new
        Assert.NotEmpty(page.FindAll("#records-chart svg"));
        var minute = Assert.Single(page.FindAll("#raw-minutes-table tbody tr"));
        Assert.Contains("2", minute.QuerySelector("td:nth-child(2)")!.TextContent);
        var perRun = Assert.Single(page.FindAll("#run-rates-table tbody tr"));
        var link = perRun.QuerySelector("[data-run-id]")!;
        Assert.Equal(run.RunId, link.GetAttribute("title")); // the whole id on hover, its random part shown
        Assert.Equal(Throughput.ShortId(run.RunId), link.TextContent.Trim());
        Assert.Contains("dummyjson", perRun.TextContent);
        Assert.Contains("10 min 00 s", perRun.TextContent); // the run's duration, formatted
        // Objects and KiB each on their own chart (their own axis), not two series on one.
        Assert.NotEmpty(page.FindAll("#raw-minutes-chart svg"));
        Assert.NotEmpty(page.FindAll("#raw-minutes-bytes-chart svg"));
        Assert.Contains("No stream consumer runs in this process", page.Find("#shards-table").TextContent);
    }

    [Fact]
    public async Task With_no_runs_each_section_says_so()
    {
        Use(_backends.Runs, Sampler(_backends.Runs));
        var page = Render<Throughput>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        await page.WaitForAssertionAsync(() => Assert.NotNull(page.Find("#run-rates-empty")));
        Assert.NotNull(page.Find("#samples-empty"));
        Assert.NotNull(page.Find("#raw-minutes-empty"));
        Assert.Equal("—", page.Find("#rate-published [data-value]").GetAttribute("data-value"));
    }

    [Fact]
    public async Task Shows_loading_then_the_run_store_error()
    {
        var broken = new SqliteRunStore(new SqliteDatabase(_backends.CorruptFile("broken.db")));
        var (gated, gate) = Gate<IRunStore>.Around(broken);
        Use(gated, Sampler(_backends.Runs));
        var page = Render<Throughput>(p => p.Add(x => x.RefreshInterval, TimeSpan.FromHours(1)));

        Assert.NotNull(page.Find("#throughput-loading"));
        gate.SetResult();
        await page.WaitForAssertionAsync(() => Assert.Contains("Throughput could not be read", page.Find("#throughput-error").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_run_is_labelled_by_its_source_and_how_long_ago_it_started()
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var rates = new RunRates("20260301T115700Z-0a1b2c3d", "synthetic", RunStatus.Succeeded, now.AddMinutes(-3), 60, 1, 1, 1, 1);

        Assert.Equal("synthetic, 3 min ago", Throughput.RunLabel(rates, now));
        Assert.Equal("0a1b2c3d", Throughput.ShortId(rates.RunId));
    }
}
