namespace Pipeline.Core.Domain;

public sealed record CategoryMetric(
    string Category, long ProductCount, decimal AvgPrice, decimal MinPrice, decimal MaxPrice, decimal? AvgRating, long TotalStock);
