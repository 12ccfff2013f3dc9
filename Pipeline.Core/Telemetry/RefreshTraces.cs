using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pipeline.Core.Telemetry;

/// <summary>
/// The trace a refresh continues: the pipeline span that recorded it (a run's last fetch or transform, whose end queued
/// it), kept in this process until the refresh starts. A refresh executed elsewhere or after a restart starts a trace of
/// its own (its span still carries the run id).
/// </summary>
internal static class RefreshTraces
{
    private const int MaxPending = 1024;
    private static readonly ConcurrentDictionary<string, ActivityContext> Pending = new(StringComparer.Ordinal);

    /// <summary>Remembers the current pipeline span as the parent of <paramref name="refreshId"/>'s span (nothing outside one).</summary>
    public static void Remember(string refreshId)
    {
        if (Activity.Current is not { } current || !ReferenceEquals(current.Source, PipelineTelemetry.Source)) return;
        if (Pending.Count >= MaxPending) Pending.Clear(); // refreshes created here but executed elsewhere: forget, do not grow
        Pending[refreshId] = current.Context;
    }

    public static ActivityContext Take(string refreshId) => Pending.TryRemove(refreshId, out var context) ? context : default;
}
