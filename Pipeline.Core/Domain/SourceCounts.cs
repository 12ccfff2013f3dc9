namespace Pipeline.Core.Domain;

/// <summary>How many products and price observations one source has in a store or a warehouse.</summary>
public sealed record SourceCounts(string Source, long Products, long Observations);
