namespace Pipeline.Core.Domain;

/// <summary>
/// One event on its way to one webhook: the body is fixed when the event is raised, so every attempt sends the same bytes
/// with the same <see cref="Id"/> (the <c>X-Pipeline-Delivery</c> header). Kept in the store, so retries survive a restart.
/// </summary>
public sealed record WebhookDelivery
{
    /// <summary>The delivery's id: derived from the event's id and the webhook, so raising an event twice adds nothing.</summary>
    public required string Id { get; init; }
    public required string EventId { get; init; }
    public required string Type { get; init; }

    /// <summary>The webhook's position in <c>Pipeline:Notifications:Webhooks</c>.</summary>
    public required int Webhook { get; init; }
    public required string Url { get; init; }
    public required string Body { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DeliveryStatus Status { get; init; } = DeliveryStatus.Pending;
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>When the next attempt is due (pending deliveries only).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}
