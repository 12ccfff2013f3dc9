using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// A run's event log, kept with the run. Appending is idempotent by <see cref="RunEvent.Key"/>; each run keeps at most
/// <see cref="MaxInfoAndWarningEvents"/> info and warning lines about pages and attempts (then one line that says so);
/// error lines (at most one per failed page) and the run's and refresh's lifecycle lines are always kept
/// (<see cref="RunEventKeys.IsBounded"/>).
/// </summary>
public interface IRunEventLog
{
    public const int MaxInfoAndWarningEvents = 5000;

    Task AppendAsync(RunEvent runEvent, CancellationToken ct);

    /// <summary>The run's events, oldest first, filtered, a page at a time.</summary>
    Task<RunEventPage> ListEventsAsync(string runId, RunEventQuery query, CancellationToken ct);
}
