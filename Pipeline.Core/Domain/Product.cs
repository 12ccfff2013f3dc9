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

    public string Id => ProductId.Format(Source, SourceId);
}

public static class ProductId
{
    public static string Format(string source, string sourceId) => $"{source}:{sourceId}";

    public static bool TryParse(string? id, out string source, out string sourceId)
    {
        source = sourceId = "";
        if (string.IsNullOrEmpty(id)) return false;
        var colon = id.IndexOf(':');
        if (colon <= 0 || colon == id.Length - 1) return false;
        source = id[..colon];
        sourceId = id[(colon + 1)..];
        return true;
    }
}

/// <summary>A price seen for a product at a time, appended only when the price changed (or on first sight).</summary>
public sealed record PriceObservation(string ProductId, decimal Price, DateTimeOffset ObservedAt, string RunId)
{
    public decimal? PreviousPrice { get; init; }
    public string Source => ProductId[..ProductId.IndexOf(':')];
}

/// <summary>A record or page that could not be processed: kept with its reason and where its raw bytes live.</summary>
public sealed record Rejection
{
    public required string RunId { get; init; }
    public required string Source { get; init; }
    public required string RawKey { get; init; }
    /// <summary>Position of the record in the page (0-based), or null when the whole page was rejected.</summary>
    public int? RecordIndex { get; init; }
    public string? SourceId { get; init; }
    public required string Reason { get; init; }
    public DateTimeOffset RejectedAt { get; init; }
}
