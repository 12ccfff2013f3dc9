using Pipeline.Core.Domain;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>What the dashboard, the REST API and the scheduler ask of the pipeline.</summary>
public interface IPipelineCommands
{
    /// <summary>Records a run and queues its planning; an active run of the same source is returned instead (Created=false).</summary>
    Task<StartIngestionResult> StartIngestionAsync(StartIngestionRequest request, CancellationToken ct);

    Task<bool> CancelIngestionAsync(string runId, CancellationToken ct);

    /// <summary>A new run with the source and options of <paramref name="run"/> (trigger <c>rerun</c>).</summary>
    Task<StartIngestionResult> RerunAsync(IngestionRun run, CancellationToken ct);

    /// <summary>
    /// A new run (trigger <c>retry</c>) that fetches again only the pages of <paramref name="run"/> that failed as a whole
    /// (fetch failed, or the raw page could not be read); null when none did.
    /// </summary>
    Task<StartIngestionResult?> RetryAsync(IngestionRun run, CancellationToken ct);

    /// <summary>
    /// Records a replay of raw pages (trigger <c>replay</c>) and queues its planning; an active run of the same source is
    /// returned instead (Created=false). Throws <see cref="ReplayRequestException"/> for a request that names nothing to replay.
    /// </summary>
    Task<StartIngestionResult> StartReplayAsync(StartReplayRequest request, CancellationToken ct);

    Task<WarehouseRefresh> StartRefreshAsync(string trigger, CancellationToken ct);
}
