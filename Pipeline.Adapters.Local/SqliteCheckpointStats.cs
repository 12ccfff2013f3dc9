namespace Pipeline.Adapters.Local;

/// <summary>
/// Background checkpoint passes, the writer's catch-ups, the times the WAL was seen to have started over after one,
/// failed checkpoints (or failures of the writer's bookkeeping after a commit), the last failure's message, and whether
/// the last checkpoint failed (the WAL then grows until one succeeds; the health checks of the store and the stream report
/// it as Degraded).
/// </summary>
public sealed record SqliteCheckpointStats(long Passes, long CatchUps, long Restarts, long Failures, string? LastError, bool Failing);
