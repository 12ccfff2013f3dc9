using System.Globalization;

namespace Pipeline.Core.Domain;

/// <summary>The keys of run events: the run's lifecycle lines, a page's lines, and the bound's own line.</summary>
public static class RunEventKeys
{
    public const string Created = "created";
    public const string PlanStarted = "plan-started";
    public const string Planned = "planned";
    public const string PlanFailed = "plan-failed";
    public const string Cancelled = "cancelled";
    public const string Finished = "finished";

    /// <summary>The refresh's lines: <c>refresh:&lt;refreshId&gt;:&lt;what&gt;</c> (a few per attempt, at most 20 attempts).</summary>
    public const string RefreshPrefix = "refresh:";

    /// <summary>A page that failed as a whole (fetch failed, or its raw bytes could not be read as a page).</summary>
    public const string PageFailedPrefix = "page-failed:";

    public static string PageFailed(int page) => PageFailedPrefix + page.ToString(CultureInfo.InvariantCulture);

    /// <summary>The one line that says the log reached its bound and dropped later info and warning lines.</summary>
    public const string LogFull = "log-full";

    /// <summary>A key unique to this call: for events that are real each time they happen (a retry, a failed attempt).</summary>
    public static string Unique(string kind) => kind + ":" + Guid.NewGuid().ToString("N");

    private static readonly HashSet<string> Lifecycle = [Created, PlanStarted, Planned, PlanFailed, Cancelled, Finished, LogFull];

    /// <summary>
    /// Whether the event counts against the log's bound: info and warning lines about pages and attempts do; errors (at
    /// most one per failed page) and the run's and refresh's lifecycle lines (a handful per run) are always kept.
    /// </summary>
    public static bool IsBounded(RunEvent e) =>
        e.Level != RunEventLevel.Error && !Lifecycle.Contains(e.Key) && !e.Key.StartsWith(RefreshPrefix, StringComparison.Ordinal);
}
