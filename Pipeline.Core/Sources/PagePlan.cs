
namespace Pipeline.Core.Sources;

/// <summary>A planned page: what to ask the source for.</summary>
public readonly record struct PagePlan(int Page, int Skip, int Limit);
