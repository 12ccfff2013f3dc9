using Microsoft.Extensions.Options;
using Pipeline.Core.Trust;

namespace Pipeline.Runtime;

/// <summary>
/// Sends the outbox's due webhook deliveries: woken at once when this process queues one, and every poll interval for
/// retries that came due and deliveries queued elsewhere. Runs beside the pipeline, so a dead receiver delays only its
/// own deliveries.
/// </summary>
public sealed class WebhookDeliveryWorker(
    IServiceScopeFactory scopes, DeliverySignal signal, IOptions<NotificationOptions> options, ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<WebhookSender>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await sender.SendDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Sending webhook deliveries failed; the next round tries again");
            }
            // A full round may have left more due: look again at once; otherwise wait for a pulse or the poll.
            if (sent == 0)
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
