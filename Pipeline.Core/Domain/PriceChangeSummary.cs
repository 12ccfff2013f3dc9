namespace Pipeline.Core.Domain;

/// <summary>
/// How many prices dropped and rose in a window, in total and per bucket (every bucket of the window, oldest first, a
/// bucket without changes at zero); the totals are the sums of the buckets. See <see cref="PriceChangeWindow"/>.
/// </summary>
public sealed record PriceChangeSummary(long Drops, long Rises, IReadOnlyList<PriceChangeBucketCount> Buckets);
