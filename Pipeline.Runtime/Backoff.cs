namespace Pipeline.Runtime;

/// <summary>Exponential backoff with full jitter, capped at 30 s.</summary>
public static class Backoff
{
    public static TimeSpan For(int attempt, TimeSpan baseDelay)
    {
        var cap = Math.Min(30_000, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }
}
