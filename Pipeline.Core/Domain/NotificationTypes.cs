namespace Pipeline.Core.Domain;

/// <summary>The notification event types a webhook can subscribe to (<c>Pipeline:Notifications:Webhooks:N:Events</c>).</summary>
public static class NotificationTypes
{
    public const string RunSucceeded = "run.succeeded";
    public const string RunPartiallySucceeded = "run.partiallySucceeded";
    public const string RunFailed = "run.failed";
    public const string RunCancelled = "run.cancelled";
    public const string RefreshFailed = "refresh.failed";
    public const string CheckFailed = "check.failed";
    public const string SourceStale = "source.stale";
    public const string SourceFresh = "source.fresh";

    /// <summary>Sent by "Send test" only; every webhook receives it whatever its events.</summary>
    public const string Test = "test";

    public static readonly IReadOnlyList<string> All =
        [RunSucceeded, RunPartiallySucceeded, RunFailed, RunCancelled, RefreshFailed, CheckFailed, SourceStale, SourceFresh];

    /// <summary>The event a run's end raises, or null for a status that is not an end.</summary>
    public static string? ForRun(RunStatus status) => status switch
    {
        RunStatus.Succeeded => RunSucceeded,
        RunStatus.PartiallySucceeded => RunPartiallySucceeded,
        RunStatus.Failed => RunFailed,
        RunStatus.Cancelled => RunCancelled,
        _ => null,
    };
}
