using Pipeline.Adapters.Aws.Kinesis;

namespace Pipeline.Tests.Adapters.Aws.Kinesis;

public sealed class RetryBackoffTests
{
    [Fact]
    public void The_ceiling_doubles_per_attempt_up_to_the_cap()
    {
        var backoff = new RetryBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeProvider.System);

        Assert.Equal(
            [100, 200, 400, 800, 1000, 1000],
            Enumerable.Range(1, 6).Select(a => backoff.CeilingFor(a).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.CeilingFor(500));
    }

    [Fact]
    public void Delays_are_spread_over_the_whole_range_from_zero_to_the_ceiling()
    {
        var backoff = new RetryBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeProvider.System, new Random(42));

        var delays = Enumerable.Range(0, 1000).Select(_ => backoff.DelayFor(3).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 0, 400));
        Assert.True(delays.Min() < 40, $"smallest delay {delays.Min()} ms: jitter does not reach down to zero");
        Assert.True(delays.Max() > 360, $"largest delay {delays.Max()} ms: jitter does not reach up to the ceiling");
    }
}
