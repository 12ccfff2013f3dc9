using Pipeline.Core.Domain;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>What the dashboard, the REST API and the scheduler ask of the pipeline.</summary>
public interface IPipelineCommands
{
    /// <summary>Records a run and queues its planning; an active run of the same source is returned instead (Created=false).</summary>
    Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct);

    Task<bool> CancelIngestionAsync(string runId, CancellationToken ct);

    Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct);
}
