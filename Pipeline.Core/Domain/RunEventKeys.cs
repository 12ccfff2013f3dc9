namespace Pipeline.Core.Domain;

/// <summary>The keys of run events that other parts of the pipeline look for.</summary>
public static class RunEventKeys
{
    /// <summary>A page that failed as a whole (fetch failed, or its raw bytes could not be read as a page).</summary>
    public const string PageFailedPrefix = "page-failed:";

    public static string PageFailed(int page) => PageFailedPrefix + page.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The one line that says the log reached its bound and dropped later info and warning lines.</summary>
    public const string LogFull = "log-full";

    /// <summary>A key unique to this call: for events that are real each time they happen (a retry, a failed attempt).</summary>
    public static string Unique(string kind) => kind + ":" + Guid.NewGuid().ToString("N");
}
