using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>Plans queued runs (the trigger stage's second half), one at a time.</summary>
public sealed class PlanWorker(PlanQueue queue, IServiceScopeFactory scopes, ILogger<PlanWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<TriggerHandler>().PlanAndPublishAsync(runId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Planning run {RunId} crashed", runId);
            }
            finally
            {
                queue.MarkDone();
            }
        }
    }
}
