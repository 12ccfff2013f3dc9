using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>
/// Executes queued warehouse refreshes, each on a task of its own: their attempts never overlap (the refresher runs one
/// at a time), but a refresh waiting for its retry does not hold back the refreshes queued after it.
/// </summary>
public sealed class RefreshWorker(RefreshQueue queue, IServiceScopeFactory scopes, ILogger<RefreshWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            await foreach (var refreshId in queue.ReadAllAsync(stoppingToken))
            {
                running.RemoveAll(t => t.IsCompleted);
                running.Add(RunAsync(refreshId, stoppingToken));
            }
        }
        finally
        {
            await Task.WhenAll(running);
        }
    }

    private async Task RunAsync(string refreshId, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<WarehouseRefresher>().ExecuteAsync(refreshId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the refresh stays running and is taken up again at the next start.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Refresh {RefreshId} crashed", refreshId);
        }
        finally
        {
            queue.MarkDone();
        }
    }
}
