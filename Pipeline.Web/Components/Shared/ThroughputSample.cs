namespace Pipeline.Web.Components.Shared;

/// <summary>Rates between two samples of the runs' counters, and the stream consumer's largest lag at that time.</summary>
public sealed record ThroughputSample(
    DateTimeOffset At,
    double RecordsPublishedPerSecond,
    double RecordsConsumedPerSecond,
    double RawObjectsPerSecond,
    double RawBytesPerSecond,
    double ProductsPerSecond,
    long MaxLagMillis);
