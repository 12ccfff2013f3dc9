namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>Exponential backoff with full jitter: attempt n waits a uniformly random time in [0, min(cap, base·2ⁿ⁻¹)].</summary>
public sealed class RetryBackoff(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider timeProvider, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The upper bound of the wait after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan CeilingFor(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var ticks = Math.Min((double)maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)ticks);
    }

    public TimeSpan DelayFor(int attempt) => TimeSpan.FromTicks((long)(_random.NextDouble() * CeilingFor(attempt).Ticks));

    public Task WaitAsync(int attempt, CancellationToken ct) => Task.Delay(DelayFor(attempt), timeProvider, ct);
}
