using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>
/// The run finisher's listener: when a run ends with data, records a refresh triggered by it and queues it for the
/// <see cref="RefreshWorker"/> (<c>Pipeline:Warehouse:RefreshAfterRun</c>).
/// </summary>
public sealed class RefreshAfterRun(WarehouseRefresher refresher, RefreshQueue refreshes, IOptions<PipelineOptions> options, ILogger<RefreshAfterRun> logger)
    : IRunCompletionListener
{
    public async Task OnRunFinishedAsync(IngestionRun run, CancellationToken ct)
    {
        logger.LogInformation("Run {RunId} finished {Status}: {Upserted} upserted, {Unchanged} unchanged, {Rejected} rejected",
            run.RunId, run.Status.ToWire(), run.Stages.ProductsUpserted, run.Stages.ProductsUnchanged, run.Stages.ProductsRejected);
        if (!options.Value.Warehouse.RefreshAfterRun || run.Status is not (RunStatus.Succeeded or RunStatus.PartiallySucceeded)) return;
        await refreshes.StartAsync(refresher, RefreshTriggers.AfterRun(run.RunId), ct);
    }
}
