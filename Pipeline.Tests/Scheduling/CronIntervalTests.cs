using Pipeline.Web.Scheduling;

namespace Pipeline.Tests.Scheduling;

/// <summary>A schedule's interval (the longest gap between firings) sets the default freshness limit of what it ingests.</summary>
public sealed class CronIntervalTests
{
    [Theory]
    [InlineData("0 */6 * * *", 6 * 60)]
    [InlineData("*/15 * * * *", 15)]
    [InlineData("30 3 * * *", 24 * 60)]
    [InlineData("@hourly", 60)]
    [InlineData("0 8 * * 1-5", 3 * 24 * 60)] // Friday 08:00 to Monday 08:00
    [InlineData("0 9,17 * * *", 16 * 60)]    // 17:00 to the next day's 09:00
    [InlineData("0 0 1,15 * *", 17 * 24 * 60)] // the 15th to the 1st of a 31-day month (Jan 15 → Feb 1)
    [InlineData("0 0 1 * *", 31 * 24 * 60)]     // monthly: the longest month
    [InlineData("0 6 1 1,7 *", 184 * 24 * 60)]  // twice a year: July 1 → January 1
    public void The_longest_gap_between_firings_is_the_interval(string cron, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), CronDescriber.LongestGap(cron));

    [Fact]
    public void A_malformed_expression_has_no_interval() => Assert.Null(CronDescriber.LongestGap("every tuesday"));
}
