using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// Webhook deliveries waiting to be sent, being retried or done, and the notifier's small state (which source was last
/// seen stale, which refresh was checked). Kept with the run store, so that nothing is lost across a restart and
/// several instances share one outbox.
/// </summary>
public interface INotificationOutbox
{
    /// <summary>Adds the delivery unless one with its id exists. True when added.</summary>
    Task<bool> EnqueueAsync(WebhookDelivery delivery, CancellationToken ct);

    Task<WebhookDelivery?> GetDeliveryAsync(string id, CancellationToken ct);

    /// <summary>Pending deliveries whose next attempt is due at <paramref name="now"/>, oldest due first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> DueDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken ct);

    /// <summary>
    /// Claims the next attempt: writes <paramref name="claimed"/> (its <see cref="WebhookDelivery.Attempts"/> one more than
    /// the stored one) only if the stored delivery is pending with <paramref name="expectedAttempts"/> attempts. False when
    /// another worker claimed it first.
    /// </summary>
    Task<bool> TryClaimAttemptAsync(WebhookDelivery claimed, int expectedAttempts, CancellationToken ct);

    /// <summary>
    /// Records an attempt's outcome (delivered, pending with its next time, or failed) only if the stored delivery is still
    /// pending with <paramref name="expectedAttempts"/> attempts (the attempt this caller claimed): a late writer whose
    /// claim lapsed never undoes a newer attempt's outcome. True when written.
    /// </summary>
    Task<bool> TryRecordOutcomeAsync(WebhookDelivery delivery, int expectedAttempts, CancellationToken ct);

    /// <summary>Deletes delivered and failed deliveries created before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneDeliveriesAsync(DateTimeOffset before, CancellationToken ct);

    /// <summary>Newest deliveries first (by creation), at most <paramref name="limit"/> (1-1000).</summary>
    Task<IReadOnlyList<WebhookDelivery>> RecentDeliveriesAsync(int limit, CancellationToken ct);

    /// <summary>A value the notifier keeps under <paramref name="key"/>, or null.</summary>
    Task<string?> GetMarkerAsync(string key, CancellationToken ct);

    /// <summary>
    /// Sets the value under <paramref name="key"/> when it is <paramref name="expected"/> now (null: absent). True when set;
    /// false when another writer changed it first, so that a transition is acted on once.
    /// </summary>
    Task<bool> TrySetMarkerAsync(string key, string? expected, string value, CancellationToken ct);

    /// <summary>
    /// Deletes the markers whose key starts with <paramref name="prefix"/> (e.g. <c>raised:</c>; a prefix ends at its
    /// first ':', which it must contain, so that a store can list it without a scan) last written before
    /// <paramref name="before"/>; returns how many.
    /// </summary>
    Task<int> PruneMarkersAsync(string prefix, DateTimeOffset before, CancellationToken ct);
}
