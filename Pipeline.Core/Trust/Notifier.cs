using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Trust;

/// <summary>
/// Raises an event: one delivery per webhook that wants its type, written to the outbox (idempotent by the event's key and
/// the webhook), then sent by the delivery worker. Raising never calls a receiver, so a dead endpoint cannot slow the
/// caller.
/// </summary>
public sealed class Notifier(INotificationOutbox outbox, IOptions<NotificationOptions> options, DeliverySignal signal, TimeProvider clock, ILogger<Notifier> logger)
{
    public IReadOnlyList<WebhookOptions> Webhooks => options.Value.Webhooks;

    /// <summary>Queues the event for every webhook that wants it; returns the deliveries newly queued.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> RaiseAsync(NotificationEvent e, CancellationToken ct)
    {
        var added = new List<WebhookDelivery>();
        var hooks = options.Value.Webhooks;
        for (var i = 0; i < hooks.Count; i++)
        {
            if (!hooks[i].Wants(e.Type)) continue;
            var delivery = Delivery(e, i, hooks[i]);
            if (await outbox.EnqueueAsync(delivery, ct).ConfigureAwait(false)) added.Add(delivery);
        }
        if (added.Count > 0)
        {
            logger.LogInformation("Event {Type} ({Key}) queued for {Count} webhook(s)", e.Type, e.Key, added.Count);
            signal.Pulse();
        }
        return added;
    }

    /// <summary>Queues a test event for webhook <paramref name="index"/> alone; null when there is no such webhook.</summary>
    public async Task<WebhookDelivery?> SendTestAsync(int index, CancellationToken ct)
    {
        var hooks = options.Value.Webhooks;
        if (index < 0 || index >= hooks.Count) return null;
        var delivery = Delivery(NotificationEvents.Test(clock.GetUtcNow()), index, hooks[index]);
        await outbox.EnqueueAsync(delivery, ct).ConfigureAwait(false);
        signal.Pulse();
        return delivery;
    }

    private WebhookDelivery Delivery(NotificationEvent e, int index, WebhookOptions hook)
    {
        var eventId = "evt_" + Hash(e.Key);
        var body = hook.IsSlack
            ? new JsonObject { ["text"] = SlackText(e) }
            : new JsonObject { ["id"] = eventId, ["type"] = e.Type, ["occurredAt"] = e.OccurredAt, ["data"] = e.Data.DeepClone() };
        return new WebhookDelivery
        {
            Id = "dlv_" + Hash($"{e.Key}|{index}|{hook.Url}"), EventId = eventId, Type = e.Type, Webhook = index, Url = hook.Url,
            Body = body.ToJsonString(), CreatedAt = clock.GetUtcNow(), NextAttemptAt = clock.GetUtcNow(),
        };
    }

    private string SlackText(NotificationEvent e)
    {
        var icon = e.Type switch
        {
            NotificationTypes.RunSucceeded or NotificationTypes.SourceFresh => ":white_check_mark:",
            NotificationTypes.Test => ":wave:",
            NotificationTypes.RunPartiallySucceeded or NotificationTypes.SourceStale or NotificationTypes.RunCancelled => ":warning:",
            _ => ":x:",
        };
        var link = options.Value.DashboardUrl is { Length: > 0 } dashboard && e.Data["runId"]?.GetValue<string>() is { } runId
            ? $" <{dashboard.TrimEnd('/')}/runs/{runId}|open the run>"
            : "";
        return $"{icon} *{e.Type}* {e.Summary}{link}";
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
}
