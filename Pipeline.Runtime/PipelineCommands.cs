using Pipeline.Core.Domain;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>
/// The commands, in process: a run is recorded by the trigger stage and its planning queued for the
/// <see cref="PlanWorker"/>; a refresh is recorded and queued for the <see cref="RefreshWorker"/>.
/// </summary>
public sealed class PipelineCommands(TriggerHandler ingestion, WarehouseRefresher refresher, PlanQueue plans, RefreshQueue refreshes)
    : IPipelineCommands
{
    public async Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct)
    {
        var result = await ingestion.CreateRunAsync(request, ct);
        if (result.Created) await plans.EnqueueAsync(result.Run.RunId, ct);
        return result;
    }

    public Task<bool> CancelIngestionAsync(string runId, CancellationToken ct) => ingestion.CancelAsync(runId, ct);

    public Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct) => refreshes.StartAsync(refresher, trigger, ct);
}
