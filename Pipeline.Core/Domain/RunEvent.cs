namespace Pipeline.Core.Domain;

/// <summary>
/// One line of a run's event log: what happened, when, at which stage, and the page or record it concerns. Bounded per
/// run: a page gets at most a summary line per stage (its rejected records are counted in one line, not listed), so a
/// run of a million products keeps thousands of lines at most.
/// </summary>
public sealed record RunEvent
{
    public required string RunId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required RunEventLevel Level { get; init; }
    public required RunEventStage Stage { get; init; }
    public required string Message { get; init; }

    /// <summary>
    /// Identity of the event within its run: the same key appended twice (a redelivered page) is kept once. Keys that
    /// start with <see cref="RunEventKeys.PageFailedPrefix"/> mark a page that a retry fetches again.
    /// </summary>
    public required string Key { get; init; }

    /// <summary>The page's number in the run's plan, when the event concerns a page.</summary>
    public int? Page { get; init; }

    /// <summary>The page's first record in the source's catalog (its <c>skip</c>).</summary>
    public int? Skip { get; init; }

    public string? RawKey { get; init; }

    /// <summary>The record's position in the page, when the event concerns one record.</summary>
    public int? RecordIndex { get; init; }

    /// <summary>The attempt (1-based) of a retried operation.</summary>
    public int? Attempt { get; init; }

    /// <summary>What caused a failure or retry, short: "429 Too Many Requests", "timeout", "IOException".</summary>
    public string? Cause { get; init; }
}
