namespace Pipeline.Core.Trust;

/// <summary>
/// <c>Pipeline:Notifications</c>: the webhooks told when runs end, refreshes fail, checks fail and sources turn stale or
/// fresh, and how deliveries are retried (kept in the run store, so retries survive a restart).
/// </summary>
public sealed class NotificationOptions
{
    public const string Section = "Pipeline:Notifications";

    public List<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>How often the notifier looks for ended runs and refreshes, stale sources and due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Attempts per delivery (the first included) before it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait after the first failed attempt; doubled after each further one, at most an hour.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt waits for the receiver's answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries sent side by side (a slow receiver holds one of them, never a run).</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>How long ended deliveries, past check results and the notifier's markers are kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The dashboard's public address, for links in messages (optional).</summary>
    public string? DashboardUrl { get; set; }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 after attempt <paramref name="attempt"/> failed.</summary>
    public TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(1).Ticks, RetryDelay.Ticks * (1L << Math.Clamp(attempt - 1, 0, 20))));
}
