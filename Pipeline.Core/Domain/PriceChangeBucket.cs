namespace Pipeline.Core.Domain;

/// <summary>The width of one bucket of a <see cref="PriceChangeSummary"/>: an hour, or a day (UTC, from midnight).</summary>
public enum PriceChangeBucket
{
    Hour,
    Day,
}
