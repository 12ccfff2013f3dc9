using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Trust;

/// <summary>Refuses, at start, a webhook that is not an absolute http(s) URL, an unknown event or format, and bad timings; each message names its key.</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var errors = new List<string>();
        const string section = NotificationOptions.Section;
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            var key = $"{section}:Webhooks:{i}";
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.Host.Length == 0)
                errors.Add($"{key}:Url '{WebhookAddress.Display(hook.Url)}' is not an absolute http(s) URL.");
            foreach (var type in hook.Events.Where(e => !NotificationTypes.All.Contains(e, StringComparer.Ordinal)))
                errors.Add($"{key}:Events: '{type}' is not an event; known events: {string.Join(", ", NotificationTypes.All)}.");
            if (!string.Equals(hook.Format, WebhookFormats.Json, StringComparison.OrdinalIgnoreCase) && !hook.IsSlack)
                errors.Add($"{key}:Format '{hook.Format}' is not one of: {WebhookFormats.Json}, {WebhookFormats.Slack}.");
        }
        if (options.PollInterval <= TimeSpan.Zero || options.PollInterval > TimeSpan.FromHours(1))
            errors.Add($"{section}:PollInterval must be between 00:00:00 and 01:00:00.");
        if (options.MaxAttempts is < 1 or > 50) errors.Add($"{section}:MaxAttempts must be 1-50.");
        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > TimeSpan.FromHours(1))
            errors.Add($"{section}:RetryDelay must be more than 00:00:00 and at most 01:00:00.");
        if (options.Retention < TimeSpan.FromHours(1) || options.Retention > TimeSpan.FromDays(3650))
            errors.Add($"{section}:Retention must be between 01:00:00 and 3650.00:00:00.");
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(5))
            errors.Add($"{section}:Timeout must be between 00:00:00 and 00:05:00.");
        if (options.Concurrency is < 1 or > 64) errors.Add($"{section}:Concurrency must be 1-64.");
        if (options.DashboardUrl is { Length: > 0 } dashboard && !Uri.TryCreate(dashboard, UriKind.Absolute, out _))
            errors.Add($"{section}:DashboardUrl '{dashboard}' is not an absolute URL.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
