using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Adapters.Google;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every warehouse's <see cref="IWarehouse.PriceChangeSummaryAsync"/> must answer (DuckDB and BigQuery alike, see
/// docs/metrics.md): counts over every change of the window, not a top-N. Two sources of <see cref="PerSource"/> products
/// each, observed by eight runs (one per refresh) whose price moves are chosen so that the figures below can be
/// computed by hand; the clock stands at <see cref="Now"/>. Derive once per warehouse.
/// </summary>
public abstract class PriceChangeSummaryContractTests : IAsyncLifetime
{
    /// <summary>The warehouse's clock: 2025-05-10 12:30 UTC.</summary>
    protected static readonly DateTimeOffset Now = new(2025, 5, 10, 12, 30, 0, TimeSpan.Zero);

    protected const int PerSource = 300;

    private static readonly string[] Sources = ["dummyjson", "synthetic"];

    /// <summary>
    /// The runs: when each observed every product and how it moved product <c>id</c>'s price (0: unchanged).
    /// Run 0 sets the prices (100 + id); run 1 is outside a 7-day window, run 7 after <see cref="Now"/>.
    /// </summary>
    private static readonly (DateTimeOffset At, Func<int, decimal> Move)[] Runs =
    [
        (new(2025, 4, 30, 12, 30, 0, TimeSpan.Zero), _ => 0m),
        (new(2025, 5, 2, 12, 30, 0, TimeSpan.Zero), _ => 1m),                               // 600 rises, 8 days ago
        (new(2025, 5, 8, 9, 15, 0, TimeSpan.Zero), id => id % 2 == 0 ? -2m : 0m),           // 300 drops
        (new(2025, 5, 9, 23, 59, 59, TimeSpan.Zero), id => id <= 30 ? 3m : 0m),             // 60 rises, the last second of 05-09
        (new(2025, 5, 10, 0, 0, 0, TimeSpan.Zero), id => id % 3 == 0 ? -1m : 0m),           // 200 drops, the first second of 05-10
        (new(2025, 5, 10, 11, 5, 0, TimeSpan.Zero), id => id % 2 == 1 ? 0.5m : -0.5m),      // 300 rises and 300 drops
        (new(2025, 5, 10, 12, 0, 0, TimeSpan.Zero), id => id <= 10 ? 1m : 0m),              // 20 rises, the current hour
        (new(2025, 5, 10, 13, 0, 0, TimeSpan.Zero), id => id <= 5 ? 1m : 0m),               // 10 rises after now: never counted
    ];

    private IWarehouse _warehouse = null!;

    /// <summary>The clock the warehouse under test reads.</summary>
    protected FixedTimeProvider Clock { get; } = new(Now);

    /// <summary>A new, empty warehouse (schema ensured) that reads <see cref="Clock"/>.</summary>
    protected abstract Task<IWarehouse> CreateWarehouseAsync();

    public async Task InitializeAsync()
    {
        _warehouse = await CreateWarehouseAsync();
        var prices = Sources.SelectMany(s => Enumerable.Range(1, PerSource).Select(id => (Id: $"{s}:{id}", Number: id)))
            .ToDictionary(p => p.Id, p => 100m + p.Number);
        for (var run = 0; run < Runs.Length; run++)
        {
            var (at, move) = Runs[run];
            foreach (var id in prices.Keys) prices[id] += move(int.Parse(id[(id.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            var products = prices.Select(p => Product(p.Key, p.Value, at)).ToList();
            var observations = prices.Select(p => new PriceObservation(p.Key, p.Value, at, $"run-{run}")).ToList();
            Clock.Now = at.AddMinutes(5);
            var loaded = await _warehouse.LoadAsync($"refresh-{run}", AsyncStream.Of(products), AsyncStream.Of(observations), CancellationToken.None);
            Assert.Equal(2 * PerSource, loaded.ObservationsLoaded);
        }
        Clock.Now = Now;
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static Product Product(string id, decimal price, DateTimeOffset at)
    {
        var colon = id.IndexOf(':');
        return new Product
        {
            Source = id[..colon], SourceId = id[(colon + 1)..], Title = $"Product {id}", Category = "things", Price = price,
            ContentHash = $"{id}@{price}", LastChanged = at,
        };
    }


    private static DateTimeOffset Utc(int month, int day, int hour = 0) => new(2025, month, day, hour, 0, 0, TimeSpan.Zero);

    private Task<PriceChangeSummary> SummaryAsync(string? source, int hours, PriceChangeBucket bucket) =>
        _warehouse.PriceChangeSummaryAsync(source, TimeSpan.FromHours(hours), bucket, CancellationToken.None);

    [Fact]
    public async Task Seven_days_per_day_count_every_change_from_the_start_of_the_first_day_up_to_now()
    {
        var summary = await SummaryAsync(null, 168, PriceChangeBucket.Day);

        // From 05-03 00:00 (the day of now - 168 h) to now: run 1 (05-02) and run 7 (after now) left out.
        Assert.Equal(
        [
            new PriceChangeBucketCount(Utc(5, 3), 0, 0), new PriceChangeBucketCount(Utc(5, 4), 0, 0),
            new PriceChangeBucketCount(Utc(5, 5), 0, 0), new PriceChangeBucketCount(Utc(5, 6), 0, 0),
            new PriceChangeBucketCount(Utc(5, 7), 0, 0), new PriceChangeBucketCount(Utc(5, 8), 300, 0),
            new PriceChangeBucketCount(Utc(5, 9), 0, 60), new PriceChangeBucketCount(Utc(5, 10), 500, 320),
        ], summary.Buckets);
        Assert.Equal((800, 380), (summary.Drops, summary.Rises));
    }

    [Fact]
    public async Task Twenty_four_hours_per_hour_give_25_buckets_zero_filled_oldest_first()
    {
        var summary = await SummaryAsync(null, 24, PriceChangeBucket.Hour);

        Assert.Equal(25, summary.Buckets.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(h => Utc(5, 9, 12).AddHours(h)), summary.Buckets.Select(b => b.Start));
        Assert.Equal(
        [
            new PriceChangeBucketCount(Utc(5, 9, 23), 0, 60), new PriceChangeBucketCount(Utc(5, 10, 0), 200, 0),
            new PriceChangeBucketCount(Utc(5, 10, 11), 300, 300), new PriceChangeBucketCount(Utc(5, 10, 12), 0, 20),
        ], summary.Buckets.Where(b => b.Drops + b.Rises > 0));
        Assert.Equal((500, 380), (summary.Drops, summary.Rises));
        Assert.Equal(summary.Drops, summary.Buckets.Sum(b => b.Drops));
        Assert.Equal(summary.Rises, summary.Buckets.Sum(b => b.Rises));
    }

    [Fact]
    public async Task A_longer_window_reaches_the_older_changes_and_hourly_buckets_cover_it_all()
    {
        var days = await SummaryAsync(null, 240, PriceChangeBucket.Day);
        var hours = await SummaryAsync(null, 168, PriceChangeBucket.Hour);

        Assert.Equal(Utc(4, 30), days.Buckets[0].Start);
        Assert.Equal(11, days.Buckets.Count);
        Assert.Equal(new PriceChangeBucketCount(Utc(5, 2), 0, 600), days.Buckets[2]);
        Assert.Equal((800, 980), (days.Drops, days.Rises));
        // 168 hours back from 12:30 is 05-03 12:30: its hour, 12:00, up to the hour of now, 05-10 12:00.
        Assert.Equal(169, hours.Buckets.Count);
        Assert.Equal((Utc(5, 3, 12), Utc(5, 10, 12)), (hours.Buckets[0].Start, hours.Buckets[^1].Start));
        Assert.Equal(new PriceChangeBucketCount(Utc(5, 8, 9), 300, 0), hours.Buckets.Single(b => b.Start == Utc(5, 8, 9)));
        Assert.Equal((800, 380), (hours.Drops, hours.Rises));
    }

    [Fact]
    public async Task The_source_filter_counts_one_source_and_an_unknown_source_gets_every_bucket_at_zero()
    {
        var synthetic = await SummaryAsync("synthetic", 168, PriceChangeBucket.Day);
        var none = await SummaryAsync("fakestore", 168, PriceChangeBucket.Day);

        Assert.Equal((400, 190), (synthetic.Drops, synthetic.Rises));
        Assert.Equal([0, 0, 0, 0, 0, 150, 0, 250], synthetic.Buckets.Select(b => b.Drops));
        Assert.Equal([0, 0, 0, 0, 0, 0, 30, 160], synthetic.Buckets.Select(b => b.Rises));
        Assert.Equal((0, 0), (none.Drops, none.Rises));
        Assert.Equal(8, none.Buckets.Count);
        Assert.All(none.Buckets, b => Assert.Equal((0, 0), (b.Drops, b.Rises)));
    }

    [Fact]
    public async Task The_window_moves_with_the_clock()
    {
        Clock.Now = Utc(5, 10, 13).AddMinutes(30); // run 7 (13:00) is now in the past, run 3 (05-09 23:59:59) still in the window

        var summary = await SummaryAsync(null, 14, PriceChangeBucket.Hour);

        Assert.Equal((Utc(5, 9, 23), Utc(5, 10, 13)), (summary.Buckets[0].Start, summary.Buckets[^1].Start));
        Assert.Equal(new PriceChangeBucketCount(Utc(5, 10, 13), 0, 10), summary.Buckets[^1]);
        Assert.Equal((500, 390), (summary.Drops, summary.Rises));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(24 * 366 + 1)]
    public async Task A_window_out_of_range_is_refused(int hours) =>
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SummaryAsync(null, hours, PriceChangeBucket.Hour));
}
