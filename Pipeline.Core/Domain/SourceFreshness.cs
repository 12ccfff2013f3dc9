namespace Pipeline.Core.Domain;

/// <summary>
/// A source's freshness: its last run that ended <c>succeeded</c> or <c>partiallySucceeded</c>, and its limit
/// (<c>Pipeline:Sources:&lt;Name&gt;:FreshnessMaxAge</c>, else twice the interval of the schedule that ingests it, else none).
/// </summary>
public sealed record SourceFreshness(
    string Source, DateTimeOffset? LastSuccessAt, string? LastRunId, TimeSpan? MaxAge, Freshness Freshness, DateTimeOffset CheckedAt)
{
    /// <summary>When the source turns (or turned) stale: the last success plus the limit; null without either.</summary>
    public DateTimeOffset? StaleAt => LastSuccessAt is { } at && MaxAge is { } max ? at + max : null;

    /// <summary>Fresh while the last success is within <paramref name="maxAge"/> of <paramref name="now"/>; never before any.</summary>
    public static SourceFreshness Evaluate(string source, IngestionRun? lastSuccess, TimeSpan? maxAge, DateTimeOffset now)
    {
        var at = lastSuccess is null ? (DateTimeOffset?)null : lastSuccess.FinishedAt ?? lastSuccess.CreatedAt;
        var freshness = at is not { } finished ? Freshness.Never
            : maxAge is { } max && now - finished > max ? Freshness.Stale
            : Freshness.Fresh;
        return new SourceFreshness(source, at, lastSuccess?.RunId, maxAge, freshness, now);
    }
}
