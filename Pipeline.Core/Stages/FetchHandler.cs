using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Core.Sources;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Stages;

/// <summary>
/// The fetch stage (the Kinesis-triggered Lambda, and the local stream consumer): for each task, GET the page and
/// store its bytes verbatim in the raw zone. A source that cannot serve the page gets the page quarantined (counted,
/// shown, the run goes on); an infrastructure failure is reported so the record is retried. A replay's task names a raw
/// page instead, which is handed straight to the transform (<see cref="TransformHandler.ReplayAsync"/>): no HTTP call.
/// </summary>
public sealed class FetchHandler(
    SourceRegistry sources,
    IRawZone rawZone,
    IRunStore runs,
    IIdempotencyMarkers markers,
    IProductStore store,
    IRawZoneNotifications notifications,
    RunFinisher finisher,
    RunEvents events,
    TransformHandler transform,
    TimeProvider clock,
    IOptions<PipelineOptions> options,
    ILogger<FetchHandler> logger)
{
    /// <summary>
    /// Handles a batch, up to <see cref="StreamOptions.FetchConcurrency"/> records at once; returns the sequence numbers
    /// of the records that must be retried: every record from the first failed one on (ordering within a shard), even
    /// those that succeeded after it (handling a record twice changes nothing).
    /// </summary>
    public async Task<IReadOnlyList<string>> HandleBatchAsync(IReadOnlyList<ReceivedRecord> records, CancellationToken ct)
    {
        var firstFailed = records.Count;
        await Parallel.ForAsync(0, records.Count,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.Stream.FetchConcurrency, CancellationToken = ct },
            async (i, token) =>
            {
                // Records after a failure are retried anyway: do not start them.
                if (i > Volatile.Read(ref firstFailed)) return;
                var record = records[i];
                try
                {
                    await HandleRecordAsync(record.Data, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Fetch record {Sequence} on {Shard} failed; it will be retried", record.SequenceNumber, record.ShardId);
                    int seen;
                    while (i < (seen = Volatile.Read(ref firstFailed)) && Interlocked.CompareExchange(ref firstFailed, i, seen) != seen)
                    {
                    }
                }
            }).ConfigureAwait(false);
        return records.Skip(firstFailed).Select(r => r.SequenceNumber).ToList();
    }

    public async Task HandleRecordAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        FetchTask? task;
        try
        {
            task = JsonSerializer.Deserialize(data.Span, CoreJsonContext.Default.FetchTask);
        }
        catch (JsonException ex)
        {
            // A poison record can never succeed: log it and let it go rather than block the shard.
            logger.LogError("Dropping an unreadable fetch task ({Bytes} bytes): {Error}", data.Length, ex.Message);
            return;
        }
        if (task is null || !RunIds.IsValid(task.RunId) || !sources.TryGet(task.Source, out _)
            || (task.ReplayKey is { } replayKey && !(RawKeys.IsSafe(replayKey) && RawKeys.TryParse(replayKey, out var keySource, out _, out _, out _) && keySource == task.Source)))
        {
            logger.LogError("Dropping an invalid fetch task ({Bytes} bytes)", data.Length);
            return;
        }
        await HandleTaskAsync(task, ct).ConfigureAwait(false);
    }

    public async Task HandleTaskAsync(FetchTask task, CancellationToken ct)
    {
        using var span = PipelineTelemetry.StartFetch(task); // a replay's task too: its transform is this span's child
        if (task.ReplayKey is { } replayKey)
        {
            await transform.ReplayAsync(task.RunId, replayKey, ct).ConfigureAwait(false);
            return;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = task.RunId, ["Page"] = task.Page });
        var run = await runs.GetRunAsync(task.RunId, ct).ConfigureAwait(false);
        if (run is null)
        {
            logger.LogWarning("Fetch task for unknown run {RunId}; skipped", task.RunId);
            return;
        }
        if (run.Status is RunStatus.Cancelled or RunStatus.Failed) return;
        try
        {
            await FetchAndStoreAsync(task, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Not the source's answer (that quarantines the page) but the pipeline's own: the record goes back to the stream.
            span.Fail(ex);
            await events.RecordAsync(new RunEvent
            {
                RunId = task.RunId, At = clock.GetUtcNow(), Level = RunEventLevel.Warning, Stage = RunEventStage.Fetch,
                Key = RunEventKeys.Unique("fetch-attempt-failed"), Page = task.Page, Skip = task.Skip, RawKey = task.RawKey,
                Cause = RunEvents.CauseOf(ex), Message = $"Page {task.Page} (skip {task.Skip}): {ErrorMessage.FirstLine(ex.Message)}; the task is retried",
            }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task FetchAndStoreAsync(FetchTask task, CancellationToken ct)
    {
        var marker = $"fetch:{task.Page}";
        if (await markers.WasAppliedAsync(task.RunId, marker, ct).ConfigureAwait(false))
        {
            // Re-delivered after the page was handled: make sure the transform saw it, count nothing.
            if (await rawZone.HeadAsync(task.RawKey, ct).ConfigureAwait(false) is not null)
                await notifications.NotifyAsync(new RawObjectCreated(task.RawKey, 0), ct).ConfigureAwait(false);
            return;
        }

        var source = sources.Get(task.Source);
        FetchedPage page;
        try
        {
            using (PageFetchScope.Enter(task))
                page = await source.FetchAsync(task, ct).ConfigureAwait(false);
        }
        catch (SourceFetchException ex)
        {
            await QuarantinePageAsync(task, ex, ct).ConfigureAwait(false);
            return;
        }

        // Cancelled while the page was fetched: nothing more is stored or transformed for the run.
        if (await runs.GetRunAsync(task.RunId, ct).ConfigureAwait(false) is { Status: RunStatus.Cancelled or RunStatus.Failed }) return;
        var metadata = new RawObjectMetadata
        {
            RunId = task.RunId,
            Source = task.Source,
            SourceUrl = page.SourceUrl,
            // To the millisecond, as the stores keep it: the raw page and the observations made from it carry the same time.
            FetchedAt = TruncateToMilliseconds(clock.GetUtcNow()),
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(page.Bytes)),
            Page = task.Page,
            ContentType = page.ContentType,
            TraceParent = PipelineTelemetry.CurrentTraceParent,
        };
        await rawZone.PutAsync(task.RawKey, page.Bytes, metadata, ct).ConfigureAwait(false);
        if (await markers.ApplyOnceAsync(task.RunId, marker,
            [
                new CounterDelta(Counter.PagesFetched, 1),
                new CounterDelta(Counter.RawObjects, 1),
                new CounterDelta(Counter.RawBytes, page.Bytes.Length),
            ], ct).ConfigureAwait(false))
            PipelineMetrics.PageFetched(task.Source);
        await notifications.NotifyAsync(new RawObjectCreated(task.RawKey, page.Bytes.Length), ct).ConfigureAwait(false);
        await finisher.TryFinishAsync(task.RunId, ct).ConfigureAwait(false);
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMillisecond));

    private async Task QuarantinePageAsync(FetchTask task, SourceFetchException ex, CancellationToken ct)
    {
        var reason = ex.Message;
        logger.LogWarning("Page {Page} of run {RunId} quarantined: {Reason}", task.Page, task.RunId, reason);
        await store.AddRejectionsAsync(
        [
            new Rejection
            {
                RunId = task.RunId, Source = task.Source, RawKey = task.RawKey, Reason = $"fetch failed: {reason}", RejectedAt = clock.GetUtcNow(),
            },
        ], ct).ConfigureAwait(false);
        if (await markers.ApplyOnceAsync(task.RunId, $"fetch:{task.Page}", [new CounterDelta(Counter.PagesFailed, 1)], ct).ConfigureAwait(false))
        {
            PipelineMetrics.PageFailed(task.Source);
            await runs.AddErrorAsync(task.RunId, $"page {task.Page}: {reason}", ct).ConfigureAwait(false);
        }
        await events.RecordAsync(new RunEvent
        {
            RunId = task.RunId, At = clock.GetUtcNow(), Level = RunEventLevel.Error, Stage = RunEventStage.Fetch,
            Key = RunEventKeys.PageFailed(task.Page), Page = task.Page, Skip = task.Skip, RawKey = task.RawKey,
            Cause = ex.StatusCode is { } status ? $"{status}" : ex.InnerException is { } inner ? RunEvents.CauseOf(inner) : null,
            Message = $"Page {task.Page} (skip {task.Skip}) quarantined: {reason}",
        }, ct).ConfigureAwait(false);
        await finisher.TryFinishAsync(task.RunId, ct).ConfigureAwait(false);
    }
}
