namespace Pipeline.Core.Domain;

public sealed record PriceChange(
    string Id, string Title, string Category, decimal OldPrice, decimal NewPrice, decimal ChangePct, DateTimeOffset ObservedAt);
