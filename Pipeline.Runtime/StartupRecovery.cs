using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Runtime;

/// <summary>
/// At start (after the backends exist and the workers run), resumes what a previous process left unfinished:
/// runs not yet planned are planned again, raw objects of active runs are offered to the transform again (each stage
/// skips what it already did), and queued refreshes are re-queued.
/// </summary>
public sealed class StartupRecovery(
    IRawZone rawZone, IRunStore runs, IRefreshStore refreshStore,
    PlanQueue plans, RawObjectQueue rawObjects, RefreshQueue refreshes, ILogger<StartupRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        foreach (var run in await runs.ListRunsAsync(200, cancellationToken))
        {
            if (run.Status.IsTerminal()) continue;
            if (!run.PlanningComplete)
            {
                logger.LogInformation("Resuming planning of run {RunId}", run.RunId);
                await plans.EnqueueAsync(run.RunId, cancellationToken);
                continue;
            }
            var prefix = RawKeys.RunPrefix(run.Source, DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId);
            string? token = null;
            var offered = 0;
            do
            {
                var page = await rawZone.ListAsync(prefix, 1000, token, cancellationToken);
                foreach (var item in page.Items)
                {
                    await rawObjects.NotifyAsync(new RawObjectCreated(item.Key, item.Size), cancellationToken);
                    offered++;
                }
                token = page.NextPageToken;
            } while (token is not null);
            logger.LogInformation("Resuming run {RunId}: {Count} raw objects offered to the transform again", run.RunId, offered);
        }
        foreach (var refresh in await refreshStore.ListRefreshesAsync(50, cancellationToken))
            if (!refresh.Status.IsTerminal())
                await refreshes.EnqueueAsync(refresh.RefreshId, cancellationToken);
    }
}
