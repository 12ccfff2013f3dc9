namespace Pipeline.Core.Domain;

/// <summary>The drops and rises observed in one bucket, from <paramref name="Start"/> (UTC) for one bucket's width.</summary>
public sealed record PriceChangeBucketCount(DateTimeOffset Start, long Drops, long Rises);
