using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>
/// The commands, in process: a run is recorded by the trigger stage and its planning queued for the
/// <see cref="PlanWorker"/>; a refresh is recorded and queued for the <see cref="RefreshWorker"/>.
/// </summary>
public sealed class PipelineCommands(
    TriggerHandler ingestion, ReplayHandler replay, WarehouseRefresher refresher, PlanQueue plans, RefreshQueue refreshes, IProductStore store)
    : IPipelineCommands
{
    public async Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct)
    {
        var result = await ingestion.CreateRunAsync(request, ct);
        if (result.Created) await plans.EnqueueAsync(result.Run.RunId, ct);
        return result;
    }

    public Task<bool> CancelIngestionAsync(string runId, CancellationToken ct) => ingestion.CancelAsync(runId, ct);

    /// <summary>A replay's re-run is a replay of the same raw pages.</summary>
    public Task<StartIngestionResult> RerunAsync(IngestionRun run, CancellationToken ct) => run.Trigger == RunTriggers.Replay
        ? StartReplayAsync(ReplayHandler.RequestOf(run, RunTriggers.Rerun), ct)
        : StartIngestionAsync(new StartIngestionRequest(run.Source, run.Options, RunTriggers.Rerun) { ParentRunId = run.RunId }, ct);

    public async Task<StartIngestionResult> StartReplayAsync(StartReplayRequest request, CancellationToken ct)
    {
        var result = await replay.CreateRunAsync(request, ct);
        if (result.Created) await plans.EnqueueAsync(result.Run.RunId, ct);
        return result;
    }

    public async Task<StartIngestionResult?> RetryAsync(IngestionRun run, CancellationToken ct)
    {
        var pages = await FailedPagesAsync(run.RunId, ct);
        if (pages.Count == 0) return null;
        return await StartIngestionAsync(
            new StartIngestionRequest(run.Source, run.Options, RunTriggers.Retry) { ParentRunId = run.RunId, OnlyPages = pages }, ct);
    }

    /// <summary>
    /// The run's pages rejected as a whole, from the store's rejections (the record a failed page leaves before it is
    /// counted, so none is missed; the event log's lines are diagnostic and may be dropped).
    /// </summary>
    private async Task<IReadOnlyList<int>> FailedPagesAsync(string runId, CancellationToken ct)
    {
        var pages = new SortedSet<int>();
        foreach (var key in await store.ListRejectedPagesAsync(runId, ct))
            if (RawKeys.TryParse(key, out _, out _, out var run, out var page) && run == runId) pages.Add(page);
        return pages.ToList();
    }

    public Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct) => refreshes.StartAsync(refresher, trigger, ct);
}
