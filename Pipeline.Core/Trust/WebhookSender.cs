using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Trust;

/// <summary>
/// Sends due deliveries: claims an attempt in the outbox (so two instances never send the same attempt), posts the stored
/// body with <c>X-Pipeline-Event</c>, <c>X-Pipeline-Delivery</c> and, with a secret, <c>X-Pipeline-Signature</c>, then
/// records the outcome: delivered on a 2xx; otherwise retried with backoff until <see cref="NotificationOptions.MaxAttempts"/>
/// attempts, then failed.
/// </summary>
public sealed class WebhookSender(
    INotificationOutbox outbox, IHttpClientFactory http, IOptions<NotificationOptions> options, TimeProvider clock, ILogger<WebhookSender> logger)
{
    public const string HttpClientName = "webhooks";
    public const string EventHeader = "X-Pipeline-Event";
    public const string DeliveryHeader = "X-Pipeline-Delivery";

    /// <summary>Sends every delivery due now, <see cref="NotificationOptions.Concurrency"/> at a time; returns how many were attempted.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var due = await outbox.DueDeliveriesAsync(clock.GetUtcNow(), 100, ct).ConfigureAwait(false);
        if (due.Count == 0) return 0;
        var attempted = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = ct }, async (d, token) =>
        {
            if (await AttemptAsync(d, token).ConfigureAwait(false)) Interlocked.Increment(ref attempted);
        }).ConfigureAwait(false);
        return attempted;
    }

    /// <summary>One attempt of <paramref name="delivery"/>, if this caller wins its claim.</summary>
    public async Task<bool> AttemptAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        // The claim holds the delivery for longer than an attempt can take (its timeout, a second of grace, the outcome's
        // write): a process that dies mid-attempt leaves it due again after that, and a late outcome is refused below.
        var claimed = delivery with { Attempts = delivery.Attempts + 1, LastAttemptAt = now, NextAttemptAt = now + ClaimHold(settings) };
        if (!await outbox.TryClaimAttemptAsync(claimed, delivery.Attempts, ct).ConfigureAwait(false)) return false;

        var hook = delivery.Webhook < settings.Webhooks.Count ? settings.Webhooks[delivery.Webhook] : null;
        string? error;
        if (hook is null || hook.Url != delivery.Url) error = "the webhook is no longer configured";
        else error = await PostAsync(claimed, hook, ct).ConfigureAwait(false);

        WebhookDelivery ended;
        if (error is null)
        {
            ended = claimed with { Status = DeliveryStatus.Delivered, LastError = null, NextAttemptAt = null };
            logger.LogInformation("Delivery {DeliveryId} ({Type}) to webhook {Webhook} delivered on attempt {Attempt}",
                delivery.Id, delivery.Type, delivery.Webhook, claimed.Attempts);
        }
        else if (claimed.Attempts >= settings.MaxAttempts || hook is null || hook.Url != delivery.Url)
        {
            ended = claimed with { Status = DeliveryStatus.Failed, LastError = error, NextAttemptAt = null };
            logger.LogWarning("Delivery {DeliveryId} ({Type}) to webhook {Webhook} failed for good after {Attempts} attempt(s): {Error}",
                delivery.Id, delivery.Type, delivery.Webhook, claimed.Attempts, error);
        }
        else
        {
            var delay = settings.DelayAfter(claimed.Attempts);
            ended = claimed with { LastError = error, NextAttemptAt = clock.GetUtcNow() + delay };
            logger.LogWarning("Delivery {DeliveryId} ({Type}) to webhook {Webhook} attempt {Attempt} failed; retrying in {Delay}: {Error}",
                delivery.Id, delivery.Type, delivery.Webhook, claimed.Attempts, delay, error);
        }
        PipelineMetrics.WebhookAttempted(ended.Status == DeliveryStatus.Delivered ? "delivered" : ended.Status == DeliveryStatus.Failed ? "failed" : "retrying");
        if (!await outbox.TryRecordOutcomeAsync(ended, claimed.Attempts, CancellationToken.None).ConfigureAwait(false))
            logger.LogWarning("Delivery {DeliveryId} attempt {Attempt} ended after its claim lapsed; a newer attempt's outcome stands", delivery.Id, claimed.Attempts);
        return true;
    }

    /// <summary>How long a claimed attempt keeps its delivery from other senders.</summary>
    public static TimeSpan ClaimHold(NotificationOptions settings) => settings.Timeout * 2 + TimeSpan.FromSeconds(30);

    /// <summary>Posts the body; null on a 2xx, else why not (status, timeout, connection error).</summary>
    private async Task<string?> PostAsync(WebhookDelivery delivery, WebhookOptions hook, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventHeader, delivery.Type);
        request.Headers.Add(DeliveryHeader, delivery.Id);
        if (!string.IsNullOrEmpty(hook.Secret)) request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(hook.Secret, body));
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ex is OperationCanceledException or TimeoutException || ex.GetType().Name.Contains("Timeout", StringComparison.Ordinal)
                ? $"timeout after {options.Value.Timeout.TotalSeconds:0.#} s"
                : $"{ex.GetType().Name}: {ErrorMessage.FirstLine(ex.Message)}";
        }
    }
}
