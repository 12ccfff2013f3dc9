using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>A page of a run's events; <see cref="NextPageToken"/> is null on the last page.</summary>
public sealed record RunEventPage(IReadOnlyList<RunEvent> Items, string? NextPageToken);
