namespace Pipeline.Core.Domain;

/// <summary>
/// What a <see cref="PriceChangeSummary"/> counts over: the changes observed from <see cref="Start"/>, the start of the
/// bucket that holds <c>now − length</c>, up to and including <see cref="End"/>, which is <c>now</c>; so every change
/// of the last <c>length</c> is counted, the first bucket whole, the last (the current one) up to now, and nothing
/// observed after now. Buckets are aligned in UTC: an hour starts at :00, a day at 00:00 UTC.
/// </summary>
public sealed record PriceChangeWindow(DateTimeOffset Start, DateTimeOffset End, PriceChangeBucket Bucket)
{
    /// <summary>The longest window a summary covers: 366 days (8,784 hours).</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(366);

    /// <summary>The window when none is asked for: 7 days.</summary>
    public static readonly TimeSpan DefaultLength = TimeSpan.FromDays(7);

    /// <summary>Windows up to this long are counted per hour unless asked otherwise, longer ones per day.</summary>
    public static readonly TimeSpan HourlyUpTo = TimeSpan.FromHours(48);

    /// <summary>Hourly buckets for a window of up to 48 hours, daily ones beyond.</summary>
    public static PriceChangeBucket DefaultBucket(TimeSpan length) => length <= HourlyUpTo ? PriceChangeBucket.Hour : PriceChangeBucket.Day;

    /// <summary>The width of one bucket.</summary>
    public static TimeSpan Width(PriceChangeBucket bucket) => bucket switch
    {
        PriceChangeBucket.Hour => TimeSpan.FromHours(1),
        PriceChangeBucket.Day => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "bucket must be Hour or Day."),
    };

    /// <summary>The window of the last <paramref name="length"/> (more than zero, at most <see cref="MaxLength"/>) up to <paramref name="now"/>.</summary>
    public static PriceChangeWindow Ending(DateTimeOffset now, TimeSpan length, PriceChangeBucket bucket)
    {
        if (length <= TimeSpan.Zero || length > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The window must be longer than zero and at most {MaxLength.TotalHours:0} hours.");
        var end = now.ToUniversalTime();
        return new PriceChangeWindow(Floor(end - length, Width(bucket)), end, bucket);
    }

    /// <summary>The start of every bucket, oldest first: from <see cref="Start"/> to the bucket that holds <see cref="End"/>.</summary>
    public IEnumerable<DateTimeOffset> BucketStarts()
    {
        var width = Width(Bucket);
        for (var start = Start; start <= End; start += width) yield return start;
    }

    /// <summary>
    /// The summary of the counted buckets: every bucket of the window in order, those not counted at zero. A count whose
    /// start is not one of the window's buckets is an error of the query that made it, and so is a bucket counted twice.
    /// </summary>
    public PriceChangeSummary Summarize(IEnumerable<PriceChangeBucketCount> counted)
    {
        var width = Width(Bucket);
        var byStart = new Dictionary<DateTimeOffset, PriceChangeBucketCount>();
        foreach (var count in counted)
        {
            var start = count.Start.ToUniversalTime();
            if (start < Start || start > End || Floor(start, width) != start)
                throw new InvalidOperationException($"The warehouse counted a bucket at {start:O}, which is not one of the window {Start:O} .. {End:O}.");
            if (!byStart.TryAdd(start, count with { Start = start }))
                throw new InvalidOperationException($"The warehouse counted the bucket at {start:O} twice.");
        }
        var buckets = BucketStarts().Select(s => byStart.GetValueOrDefault(s) ?? new PriceChangeBucketCount(s, 0, 0)).ToList();
        return new PriceChangeSummary(buckets.Sum(b => b.Drops), buckets.Sum(b => b.Rises), buckets);
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan width) =>
        new(at.UtcTicks - at.UtcTicks % width.Ticks, TimeSpan.Zero);
}
