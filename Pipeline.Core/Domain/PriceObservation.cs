namespace Pipeline.Core.Domain;

/// <summary>A price seen for a product at a time, appended only when the price changed (or on first sight).</summary>
public sealed record PriceObservation(string ProductId, decimal Price, DateTimeOffset ObservedAt, string RunId)
{
    public decimal? PreviousPrice { get; init; }

    /// <summary>The raw page the observed price was read from (lineage); null for observations stored before it was kept.</summary>
    public string? RawKey { get; init; }
    public string Source => ProductId[..ProductId.IndexOf(':')];
}
