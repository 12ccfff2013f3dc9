using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// A page of a run's events; <see cref="NextPageToken"/> is null on the last page. <see cref="ResumeToken"/> points after
/// this page's last event even on the last page, so a live view asks only for what came since (null for no events).
/// </summary>
public sealed record RunEventPage(IReadOnlyList<RunEvent> Items, string? NextPageToken, string? ResumeToken = null);
