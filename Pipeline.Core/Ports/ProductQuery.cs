
namespace Pipeline.Core.Ports;

public sealed record ProductQuery
{
    public string? Source { get; init; }
    public string? Category { get; init; }
    public string? Search { get; init; }
    public ProductSort Sort { get; init; } = ProductSort.Title;
    public int Limit { get; init; } = 50;
    public string? PageToken { get; init; }
}
