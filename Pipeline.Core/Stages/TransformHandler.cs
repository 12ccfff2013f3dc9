using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Telemetry;

namespace Pipeline.Core.Stages;

/// <summary>
/// The transform stage (the S3-triggered Lambda, and the local raw-zone notification): parse, validate and normalise a
/// raw page, upsert the products idempotently, append price observations only on real changes, quarantine rejects with
/// their reason. A re-delivered object changes nothing.
/// </summary>
public sealed class TransformHandler(
    SourceRegistry sources,
    IRawZone rawZone,
    IProductStore store,
    IRunStore runs,
    IIdempotencyMarkers markers,
    RunFinisher finisher,
    RunEvents events,
    TimeProvider clock,
    ILogger<TransformHandler> logger)
{
    public const int UpsertChunkSize = 500;

    public async Task<TransformOutcome> HandleAsync(string key, CancellationToken ct)
    {
        if (!RawKeys.IsSafe(key) || !RawKeys.TryParse(key, out var sourceName, out _, out var runId, out var pageNumber))
        {
            logger.LogWarning("Ignoring raw object {Key}: not a page key", key);
            return TransformOutcome.Ignored;
        }
        if (!sources.TryGet(sourceName, out var source))
        {
            logger.LogWarning("Ignoring raw object {Key}: unknown source {Source}", key, sourceName);
            return TransformOutcome.Ignored;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = runId, ["RawKey"] = key });
        var run = await runs.GetRunAsync(runId, ct).ConfigureAwait(false);
        if (run is { Status: RunStatus.Cancelled or RunStatus.Failed })
            return TransformOutcome.RunNotActive;
        var marker = $"transform:{key}";
        if (run is not null && await markers.WasAppliedAsync(runId, marker, ct).ConfigureAwait(false))
            return TransformOutcome.AlreadyTransformed;
        var page = new PageRef(key, sourceName, pageNumber, CountedBy: runId, FetchedBy: runId, Replay: false);
        try
        {
            return await TransformAsync(page, source, run, marker, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (run is not null && (ex is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            await AttemptFailedAsync(page, ex).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A replay's page (<see cref="FetchTask.ReplayKey"/>): the raw page is read and transformed again, counted by the
    /// replay's run <paramref name="replayRunId"/>, while its products and price observations keep the run that fetched
    /// the page and the time it was fetched (the store ignores what is older than what it holds). A page missing from
    /// the raw zone is counted failed. Idempotent: a redelivered task is recognised by the replay's marker.
    /// </summary>
    public async Task<TransformOutcome> ReplayAsync(string replayRunId, string key, CancellationToken ct)
    {
        if (!RawKeys.IsSafe(key) || !RawKeys.TryParse(key, out var sourceName, out _, out var fetchedBy, out var pageNumber)
            || !sources.TryGet(sourceName, out var source))
        {
            logger.LogWarning("Ignoring replay task for {Key}: not a page key of a known source", key);
            return TransformOutcome.Ignored;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RunId"] = replayRunId, ["RawKey"] = key });
        var run = await runs.GetRunAsync(replayRunId, ct).ConfigureAwait(false);
        if (run is null)
        {
            logger.LogWarning("Replay task for unknown run {RunId}; skipped", replayRunId);
            return TransformOutcome.Ignored;
        }
        if (run.Status is RunStatus.Cancelled or RunStatus.Failed) return TransformOutcome.RunNotActive;
        var marker = $"transform:{key}";
        if (await markers.WasAppliedAsync(replayRunId, marker, ct).ConfigureAwait(false)) return TransformOutcome.AlreadyTransformed;
        var page = new PageRef(key, sourceName, pageNumber, CountedBy: replayRunId, FetchedBy: fetchedBy, Replay: true);
        try
        {
            return await TransformAsync(page, source, run, marker, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await AttemptFailedAsync(page, ex).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A page being transformed: the run that counts it and the run that fetched it (the same but in a replay).</summary>
    private sealed record PageRef(string Key, string Source, int Number, string CountedBy, string FetchedBy, bool Replay);

    private Task AttemptFailedAsync(PageRef page, Exception ex) => events.RecordAsync(new RunEvent
    {
        RunId = page.CountedBy, At = clock.GetUtcNow(), Level = RunEventLevel.Warning, Stage = RunEventStage.Transform,
        Key = RunEventKeys.Unique("transform-attempt-failed"), Page = page.Number, RawKey = page.Key, Cause = RunEvents.CauseOf(ex),
        Message = $"Page {page.Number}: {ErrorMessage.FirstLine(ex.Message)}; the {(page.Replay ? "task" : "object")} is retried",
    }, CancellationToken.None);

    private async Task<TransformOutcome> TransformAsync(PageRef page, IProductSource source, IngestionRun? run, string marker, CancellationToken ct)
    {
        var key = page.Key;
        var runId = page.CountedBy;
        var pageNumber = page.Number;
        RawObject? raw;
        try
        {
            raw = await rawZone.GetAsync(key, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (page.Replay && ex is InvalidDataException or FormatException)
        {
            // The object is there but its metadata cannot be read (e.g. an S3 object written without it): quarantined, not retried.
            return await ReplayPageUnreadableAsync(page, marker, $"raw page {key} cannot be read: {ErrorMessage.FirstLine(ex.Message)}", ct).ConfigureAwait(false);
        }
        if (raw is null)
        {
            if (!page.Replay) throw new InvalidOperationException($"Raw object {key} is not in the raw zone (yet); retry.");
            return await ReplayPageUnreadableAsync(page, marker, $"raw page {key} is not in the raw zone", ct).ConfigureAwait(false);
        }
        // A page continues the trace of the fetch that stored it; a replay's, the replay's own (the ambient fetch span).
        using var span = PipelineTelemetry.StartTransform(key, runId, page.Source, pageNumber, page.Replay ? null : raw.Metadata.TraceParent);
        var seenAt = raw.Metadata.FetchedAt == default ? FallbackTime(page) : raw.Metadata.FetchedAt;
        var parsed = CatalogPageParser.Parse(raw.Bytes.Span, source.Format, new ParseContext(page.Source, page.FetchedBy, key, seenAt));

        int upserted = 0, unchanged = 0, priceChanges = 0;
        for (var i = 0; i < parsed.Products.Count; i += UpsertChunkSize)
        {
            var chunk = parsed.Products.GetRange(i, Math.Min(UpsertChunkSize, parsed.Products.Count - i));
            var outcome = await store.UpsertAsync(chunk, page.FetchedBy, seenAt, ct).ConfigureAwait(false);
            upserted += outcome.Upserted;
            unchanged += outcome.Unchanged;
            priceChanges += outcome.PriceChanges;
        }
        if (parsed.Rejections.Count > 0)
            await store.AddRejectionsAsync(parsed.Rejections, ct).ConfigureAwait(false);

        logger.LogInformation(
            "Transformed {Key}: {Records} records, {Upserted} upserted, {Unchanged} unchanged, {Rejected} rejected, {PriceChanges} price changes",
            key, parsed.RecordCount, upserted, unchanged, parsed.RecordCount - parsed.Products.Count, priceChanges);
        if (run is null)
        {
            logger.LogWarning("Raw object {Key} belongs to unknown run {RunId}; products stored, nothing counted", key, runId);
            return TransformOutcome.Transformed;
        }

        var rejectedRecords = parsed.PageError is null ? parsed.Rejections.Count : 0;
        // The page error goes in before the counters: once they settle the run, any worker may finish it, and the error is
        // what makes it partiallySucceeded (a page error counts no rejected record). A crash between the two writes can
        // repeat the error on redelivery; it can no longer be lost.
        if (parsed.PageError is not null)
        {
            await runs.AddErrorAsync(runId, $"{key}: {parsed.PageError}", ct).ConfigureAwait(false);
            await events.RecordAsync(new RunEvent
            {
                RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Error, Stage = RunEventStage.Transform,
                Key = RunEventKeys.PageFailed(pageNumber) + (page.Replay ? $":{page.FetchedBy}" : ""), Page = pageNumber, RawKey = key,
                Message = $"Page {pageNumber}{Of(page)} could not be read as a page and is quarantined: {parsed.PageError}",
            }, ct).ConfigureAwait(false);
        }
        else if (parsed.Rejections.Count > 0)
        {
            await events.RecordAsync(new RunEvent
            {
                RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Warning, Stage = RunEventStage.Transform,
                Key = $"quarantined:{key}", Page = pageNumber, RawKey = key, RecordIndex = parsed.Rejections[0].RecordIndex,
                Message = string.Create(CultureInfo.InvariantCulture,
                    $"Page {pageNumber}{Of(page)}: {parsed.Rejections.Count:N0} of {parsed.RecordCount:N0} records quarantined ({SummariseReasons(parsed.Rejections)})"),
            }, ct).ConfigureAwait(false);
        }
        List<CounterDelta> deltas =
        [
            new(Counter.PagesTransformed, 1),
            new(Counter.ProductsParsed, parsed.RecordCount),
            new(Counter.ProductsUpserted, upserted),
            new(Counter.ProductsUnchanged, unchanged),
            new(Counter.ProductsRejected, rejectedRecords),
            new(Counter.PriceChanges, priceChanges),
        ];
        if (page.Replay) deltas.AddRange([new(Counter.PagesRead, 1), new(Counter.BytesRead, raw.Bytes.Length)]);
        var applied = await markers.ApplyOnceAsync(runId, marker, deltas, ct).ConfigureAwait(false);
        if (applied) PipelineMetrics.PageTransformed(page.Source, parsed.RecordCount, upserted, rejectedRecords, priceChanges);

        await finisher.TryFinishAsync(runId, ct).ConfigureAwait(false);
        return applied ? TransformOutcome.Transformed : TransformOutcome.AlreadyTransformed;
    }

    /// <summary>" (of run X)" for a replayed page, which belongs to the run that fetched it.</summary>
    private static string Of(PageRef page) => page.Replay ? $" of run {page.FetchedBy}" : "";

    /// <summary>
    /// When a raw object has no fetch time in its metadata: for a replay, the time its run was created (in the run id),
    /// never "now", which would make the replayed page newer than every later fetch; for a live page, now.
    /// </summary>
    private DateTimeOffset FallbackTime(PageRef page) =>
        page.Replay && RunIds.TryGetCreatedAt(page.FetchedBy, out var created) ? created : clock.GetUtcNow();

    /// <summary>
    /// A replay's raw page that is gone (deleted since it was listed) or whose object cannot be read: counted failed with
    /// its reason, as a live page that cannot be fetched.
    /// </summary>
    private async Task<TransformOutcome> ReplayPageUnreadableAsync(PageRef page, string marker, string reason, CancellationToken ct)
    {
        logger.LogWarning("Replay {RunId}: {Reason}", page.CountedBy, reason);
        await runs.AddErrorAsync(page.CountedBy, reason, ct).ConfigureAwait(false);
        await events.RecordAsync(new RunEvent
        {
            RunId = page.CountedBy, At = clock.GetUtcNow(), Level = RunEventLevel.Error, Stage = RunEventStage.Transform,
            Key = RunEventKeys.PageFailed(page.Number) + $":{page.FetchedBy}", Page = page.Number, RawKey = page.Key,
            Message = $"Page {page.Number}{Of(page)} could not be replayed: {reason}",
        }, ct).ConfigureAwait(false);
        var applied = await markers.ApplyOnceAsync(page.CountedBy, marker, [new CounterDelta(Counter.PagesFailed, 1)], ct).ConfigureAwait(false);
        await finisher.TryFinishAsync(page.CountedBy, ct).ConfigureAwait(false);
        return applied ? TransformOutcome.Transformed : TransformOutcome.AlreadyTransformed;
    }

    /// <summary>The three commonest reasons with their counts: "missing title ×2, price is negative ×1, and 1 more".</summary>
    private static string SummariseReasons(IReadOnlyList<Rejection> rejections)
    {
        var groups = rejections.GroupBy(r => r.Reason, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var text = string.Join(", ", groups.Take(3).Select(g => $"{g.Key} ×{g.Count()}"));
        return groups.Count > 3 ? $"{text}, and {groups.Count - 3} more reason(s)" : text;
    }
}
