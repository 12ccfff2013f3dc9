using Pipeline.Core.Domain;
using Pipeline.Core.Trust;

namespace Pipeline.Web.Api;

/// <summary>A source's freshness on the wire (<c>GET /api/sources</c>); <c>maxAge</c> as a TimeSpan string (<c>12:00:00</c>) or null.</summary>
public sealed record SourceDto(string Source, DateTimeOffset? LastSuccessAt, string? LastRunId, string? MaxAge, string Freshness)
{
    public static SourceDto From(SourceFreshness s) => new(
        s.Source, s.LastSuccessAt, s.LastRunId, s.MaxAge?.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        NotificationEvents.Wire(s.Freshness));
}

/// <summary>A data check's result on the wire (<c>GET /api/quality</c>).</summary>
public sealed record CheckDto(string Check, string Source, string Status, string Observed, string Expected, DateTimeOffset CheckedAt, string? RefreshId)
{
    public static CheckDto From(CheckResult r) => new(
        r.Check, r.Source, r.Status == CheckStatus.Passed ? "passed" : "failed", r.Observed, r.Expected, r.CheckedAt, r.RefreshId);
}

/// <summary>A webhook delivery on the wire (<c>GET /api/notifications/deliveries</c>); the body is not shown, the URL masked (<see cref="WebhookAddress"/>).</summary>
public sealed record DeliveryDto(
    string Id, string EventId, string Type, int Webhook, string Url, int Attempts, string Status, string? LastError,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt)
{
    public static DeliveryDto From(WebhookDelivery d) => new(
        d.Id, d.EventId, d.Type, d.Webhook, WebhookAddress.Display(d.Url), d.Attempts, Wire(d.Status), d.LastError, d.LastAttemptAt,
        d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.CreatedAt);

    public static string Wire(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Delivered => "delivered",
        DeliveryStatus.Failed => "failed",
        _ => "pending",
    };
}

/// <summary>A configured webhook on the wire (<c>GET /api/notifications/webhooks</c>): never its secret (only whether it has one), its URL masked.</summary>
public sealed record WebhookDto(int Index, string Url, bool Signed, IReadOnlyList<string> Events, string Format)
{
    public static WebhookDto From(int index, WebhookOptions hook) => new(
        index, WebhookAddress.Display(hook.Url), !string.IsNullOrEmpty(hook.Secret), hook.Events.Count == 0 ? Core.Domain.NotificationTypes.All : hook.Events,
        hook.IsSlack ? WebhookFormats.Slack : WebhookFormats.Json);
}

public sealed record TestDeliveryResponse(string DeliveryId);
