using Pipeline.Core.Domain;

namespace Pipeline.Tests.Domain;

/// <summary>The window a price-change summary counts over (<see cref="PriceChangeWindow"/>): its buckets and their zero-filling.</summary>
public sealed class PriceChangeSummaryWindowTests
{
    private static readonly DateTimeOffset Now = new(2025, 5, 10, 12, 30, 15, TimeSpan.Zero);

    [Fact]
    public void A_window_starts_at_the_bucket_holding_its_length_back_and_ends_now()
    {
        var hourly = PriceChangeWindow.Ending(Now, TimeSpan.FromHours(24), PriceChangeBucket.Hour);
        var daily = PriceChangeWindow.Ending(Now, TimeSpan.FromHours(168), PriceChangeBucket.Day);

        Assert.Equal((new DateTimeOffset(2025, 5, 9, 12, 0, 0, TimeSpan.Zero), Now), (hourly.Start, hourly.End));
        Assert.Equal(25, hourly.BucketStarts().Count());
        Assert.Equal(new DateTimeOffset(2025, 5, 10, 12, 0, 0, TimeSpan.Zero), hourly.BucketStarts().Last());
        Assert.Equal(new DateTimeOffset(2025, 5, 3, 0, 0, 0, TimeSpan.Zero), daily.Start);
        Assert.Equal(
            Enumerable.Range(3, 8).Select(d => new DateTimeOffset(2025, 5, d, 0, 0, 0, TimeSpan.Zero)),
            daily.BucketStarts());
    }

    [Fact]
    public void Days_are_utc_days_whatever_the_offset_now_is_given_in()
    {
        var window = PriceChangeWindow.Ending(Now.ToOffset(TimeSpan.FromHours(-7)), TimeSpan.FromHours(25), PriceChangeBucket.Day);

        Assert.Equal(new DateTimeOffset(2025, 5, 9, 0, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(TimeSpan.Zero, window.Start.Offset);
        Assert.Equal(2, window.BucketStarts().Count());
    }

    [Fact]
    public void The_summary_fills_every_bucket_oldest_first_and_totals_are_their_sums()
    {
        var window = PriceChangeWindow.Ending(Now, TimeSpan.FromHours(3), PriceChangeBucket.Hour);

        var summary = window.Summarize(
        [
            new PriceChangeBucketCount(new DateTimeOffset(2025, 5, 10, 11, 0, 0, TimeSpan.Zero), 7, 2),
            new PriceChangeBucketCount(new DateTimeOffset(2025, 5, 10, 11, 0, 0, TimeSpan.FromHours(2)), 20_000, 1), // 09:00 UTC
        ]);

        Assert.Equal(
        [
            new PriceChangeBucketCount(new DateTimeOffset(2025, 5, 10, 9, 0, 0, TimeSpan.Zero), 20_000, 1),
            new PriceChangeBucketCount(new DateTimeOffset(2025, 5, 10, 10, 0, 0, TimeSpan.Zero), 0, 0),
            new PriceChangeBucketCount(new DateTimeOffset(2025, 5, 10, 11, 0, 0, TimeSpan.Zero), 7, 2),
            new PriceChangeBucketCount(new DateTimeOffset(2025, 5, 10, 12, 0, 0, TimeSpan.Zero), 0, 0),
        ], summary.Buckets);
        Assert.Equal((20_007, 3), (summary.Drops, summary.Rises));
    }

    [Theory]
    [InlineData(2025, 5, 10, 8, 0)]   // before the window
    [InlineData(2025, 5, 10, 13, 0)]  // after now
    [InlineData(2025, 5, 10, 10, 30)] // not a bucket's start
    public void A_count_outside_the_windows_buckets_is_an_error(int year, int month, int day, int hour, int minute)
    {
        var window = PriceChangeWindow.Ending(Now, TimeSpan.FromHours(3), PriceChangeBucket.Hour);

        Assert.Throws<InvalidOperationException>(() =>
            window.Summarize([new PriceChangeBucketCount(new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero), 1, 0)]));
    }

    [Theory]
    [InlineData(1, PriceChangeBucket.Hour)]
    [InlineData(48, PriceChangeBucket.Hour)]
    [InlineData(49, PriceChangeBucket.Day)]
    [InlineData(168, PriceChangeBucket.Day)]
    public void Up_to_48_hours_are_counted_per_hour_by_default(int hours, PriceChangeBucket expected) =>
        Assert.Equal(expected, PriceChangeWindow.DefaultBucket(TimeSpan.FromHours(hours)));

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(24 * 366 + 1)]
    public void A_length_out_of_range_is_refused(int hours) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceChangeWindow.Ending(Now, TimeSpan.FromHours(hours), PriceChangeBucket.Day));
}
