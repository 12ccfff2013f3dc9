namespace Pipeline.Core.Trust;

/// <summary>One webhook: <c>Pipeline:Notifications:Webhooks:N</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary><c>:Url</c>: an absolute http(s) URL that receives a <c>POST</c> per event.</summary>
    public string Url { get; set; } = "";

    /// <summary><c>:Secret</c>: when set, each delivery carries <c>X-Pipeline-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.</summary>
    public string? Secret { get; set; }

    /// <summary><c>:Events</c>: the event types sent (a list, or one comma-separated value); empty means all.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary><c>:Format</c>: <c>json</c> (default; <c>{"id","type","occurredAt","data"}</c>) or <c>slack</c> (<c>{"text"}</c>).</summary>
    public string Format { get; set; } = WebhookFormats.Json;

    public bool Wants(string type) => type == Domain.NotificationTypes.Test || Events.Count == 0 || Events.Contains(type, StringComparer.Ordinal);

    public bool IsSlack => string.Equals(Format, WebhookFormats.Slack, StringComparison.OrdinalIgnoreCase);
}
