namespace Pipeline.Core.Ports;

/// <summary>How often each source is ingested by a schedule (the scheduler knows; the freshness limits ask).</summary>
public interface ISourceSchedules
{
    /// <summary>The longest gap between two runs of the schedules that ingest <paramref name="source"/>; null when none does.</summary>
    TimeSpan? IntervalOf(string source);
}
