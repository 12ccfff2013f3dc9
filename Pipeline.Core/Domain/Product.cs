namespace Pipeline.Core.Domain;

/// <summary>The normalised current state of one product. Identity is (Source, SourceId).</summary>
public sealed record Product
{
    public required string Source { get; init; }
    public required string SourceId { get; init; }
    public required string Title { get; init; }
    public string? Description { get; init; }
    public required string Category { get; init; }
    public string? Brand { get; init; }
    public required decimal Price { get; init; }
    public decimal? DiscountPercentage { get; init; }
    public decimal? Rating { get; init; }
    public int? Stock { get; init; }
    public string? Availability { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Sku { get; init; }
    public string? Thumbnail { get; init; }
    /// <summary>Hash of the normalised content; equal hash means nothing changed.</summary>
    public required string ContentHash { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public DateTimeOffset LastChanged { get; init; }
    public string? LastRunId { get; init; }

    /// <summary>
    /// Lineage: the raw page (<see cref="RawKeys"/>) and the index of the record in its product array that the current
    /// content was made from (the page that last changed it; a later page that saw it unchanged does not move it).
    /// Null for products stored before lineage was kept.
    /// </summary>
    public string? RawKey { get; init; }

    public int? RecordIndex { get; init; }

    public string Id => ProductId.Format(Source, SourceId);
}
