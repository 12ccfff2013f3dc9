namespace Pipeline.Core.Trust;

/// <summary>The bodies a webhook can ask for (<c>Pipeline:Notifications:Webhooks:N:Format</c>).</summary>
public static class WebhookFormats
{
    public const string Json = "json";
    public const string Slack = "slack";
}
