namespace Pipeline.Core.Domain;

/// <summary>One attempt of a refresh: when it ran, how it ended (running, succeeded or failed), and why it failed.</summary>
public sealed record RefreshAttempt(int Attempt, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Status, string? Error)
{
    public long ProductsLoaded { get; init; }
    public long ObservationsLoaded { get; init; }

    /// <summary>Whether this attempt loaded everything the store holds instead of what changed since the last refresh.</summary>
    public bool FullReload { get; init; }
}
