using Microsoft.Extensions.Options;
using Pipeline.Core.Trust;

namespace Pipeline.Runtime;

/// <summary>
/// Every <c>Pipeline:Notifications:PollInterval</c>: looks for ended runs and refreshes, runs the data checks after each
/// refresh, and notes sources that turned stale or fresh (<see cref="TrustMonitor"/>). A failed look is logged and the next
/// one tries again; nothing here waits on a webhook receiver.
/// </summary>
public sealed class TrustWorker(IServiceScopeFactory scopes, IOptions<NotificationOptions> options, TimeProvider clock, ILogger<TrustWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var monitor = scope.ServiceProvider.GetRequiredService<TrustMonitor>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await monitor.TickAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The trust monitor's look failed; the next one tries again");
            }
            await Task.Delay(options.Value.PollInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
