using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>A page of runs, newest first; <see cref="NextPageToken"/> is null on the last page.</summary>
public sealed record RunPage(IReadOnlyList<IngestionRun> Items, string? NextPageToken);
