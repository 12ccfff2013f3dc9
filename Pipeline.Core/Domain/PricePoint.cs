namespace Pipeline.Core.Domain;

public sealed record PricePoint(decimal Price, DateTimeOffset ObservedAt, string RunId);
