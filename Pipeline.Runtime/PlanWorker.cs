using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>
/// Plans queued runs (the trigger stage's second half), one at a time. A replay is planned beside the queue: its planner
/// waits between fetching runs until each one's pages are applied, and the runs queued meanwhile must not wait for it.
/// </summary>
public sealed class PlanWorker(PlanQueue queue, IServiceScopeFactory scopes, IRunStore runs, ILogger<PlanWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var replays = new List<Task>();
        try
        {
            await foreach (var runId in queue.ReadAllAsync(stoppingToken))
            {
                replays.RemoveAll(t => t.IsCompleted);
                if (await IsReplayAsync(runId, stoppingToken)) replays.Add(Task.Run(() => PlanAsync(runId, stoppingToken), CancellationToken.None));
                else await PlanAsync(runId, stoppingToken);
            }
        }
        finally
        {
            await Task.WhenAll(replays);
        }
    }

    private async Task<bool> IsReplayAsync(string runId, CancellationToken ct)
    {
        try
        {
            return await runs.GetRunAsync(runId, ct) is { Trigger: RunTriggers.Replay };
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Run {RunId} could not be read before planning; planned in turn", runId);
            return false;
        }
    }

    private async Task PlanAsync(string runId, CancellationToken stoppingToken)
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
        catch (OperationCanceledException)
        {
            // Stopping: a run not planned to the end is planned again at the next start (StartupRecovery).
        }
        finally
        {
            queue.MarkDone();
        }
    }
}
