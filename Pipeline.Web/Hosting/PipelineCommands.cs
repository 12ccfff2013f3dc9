using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Stages;

namespace Pipeline.Web.Hosting;

/// <summary>What the dashboard, the REST API and the scheduler ask of the pipeline.</summary>
public interface IPipelineCommands
{
    /// <summary>Records a run and queues its planning; an active run of the same source is returned instead (Created=false).</summary>
    Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct);

    Task<bool> CancelIngestionAsync(string runId, CancellationToken ct);

    Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct);
}

public sealed class PipelineCommands(IngestionService ingestion, WarehouseRefresher refresher, PlanQueue plans, RefreshQueue refreshes)
    : IPipelineCommands
{
    public async Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct)
    {
        var result = await ingestion.CreateRunAsync(request, ct);
        if (result.Created) await plans.EnqueueAsync(result.Run.RunId, ct);
        return result;
    }

    public Task<bool> CancelIngestionAsync(string runId, CancellationToken ct) => ingestion.CancelAsync(runId, ct);

    public async Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct)
    {
        var refresh = await refresher.CreateAsync(trigger, ct);
        await refreshes.EnqueueAsync(refresh.RefreshId, ct);
        return refresh;
    }
}

/// <summary>Starts a warehouse refresh when a run ends with data (<c>Pipeline:Warehouse:RefreshAfterRun</c>).</summary>
public sealed class RefreshAfterRun(IServiceScopeFactory scopes, IOptions<PipelineOptions> options, ILogger<RefreshAfterRun> logger)
    : IRunCompletionListener
{
    public async Task OnRunFinishedAsync(IngestionRun run, CancellationToken ct)
    {
        logger.LogInformation("Run {RunId} finished {Status}: {Upserted} upserted, {Unchanged} unchanged, {Rejected} rejected",
            run.RunId, run.Status.ToWire(), run.Stages.ProductsUpserted, run.Stages.ProductsUnchanged, run.Stages.ProductsRejected);
        if (!options.Value.Warehouse.RefreshAfterRun || run.Status is not (RunStatus.Succeeded or RunStatus.PartiallySucceeded)) return;
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPipelineCommands>().StartRefreshAsync(Api.RunDto.RunRefreshTrigger(run.RunId), ct);
    }
}
