namespace Pipeline.Core.Domain;

/// <summary>A price in a product's history, with the raw page it was read from (null for points stored before lineage was kept).</summary>
public sealed record PricePoint(decimal Price, DateTimeOffset ObservedAt, string RunId, string? RawKey = null);
