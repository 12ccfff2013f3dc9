using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;

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
        try
        {
            return await TransformAsync(key, source, sourceName, runId, pageNumber, run, marker, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (run is not null && (ex is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            await events.RecordAsync(new RunEvent
            {
                RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Warning, Stage = RunEventStage.Transform,
                Key = RunEventKeys.Unique("transform-attempt-failed"), Page = pageNumber, RawKey = key, Cause = RunEvents.CauseOf(ex),
                Message = $"Page {pageNumber}: {ErrorMessage.FirstLine(ex.Message)}; the object is retried",
            }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<TransformOutcome> TransformAsync(
        string key, IProductSource source, string sourceName, string runId, int pageNumber, IngestionRun? run, string marker, CancellationToken ct)
    {

        var raw = await rawZone.GetAsync(key, ct).ConfigureAwait(false)
                  ?? throw new InvalidOperationException($"Raw object {key} is not in the raw zone (yet); retry.");
        var seenAt = raw.Metadata.FetchedAt == default ? clock.GetUtcNow() : raw.Metadata.FetchedAt;
        var parsed = CatalogPageParser.Parse(raw.Bytes.Span, source.Format, new ParseContext(sourceName, runId, key, seenAt));

        int upserted = 0, unchanged = 0, priceChanges = 0;
        for (var i = 0; i < parsed.Products.Count; i += UpsertChunkSize)
        {
            var chunk = parsed.Products.GetRange(i, Math.Min(UpsertChunkSize, parsed.Products.Count - i));
            var outcome = await store.UpsertAsync(chunk, runId, seenAt, ct).ConfigureAwait(false);
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
                Key = RunEventKeys.PageFailed(pageNumber), Page = pageNumber, RawKey = key,
                Message = $"Page {pageNumber} could not be read as a page and is quarantined: {parsed.PageError}",
            }, ct).ConfigureAwait(false);
        }
        else if (parsed.Rejections.Count > 0)
        {
            await events.RecordAsync(new RunEvent
            {
                RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Warning, Stage = RunEventStage.Transform,
                Key = $"quarantined:{key}", Page = pageNumber, RawKey = key, RecordIndex = parsed.Rejections[0].RecordIndex,
                Message = string.Create(CultureInfo.InvariantCulture,
                    $"Page {pageNumber}: {parsed.Rejections.Count:N0} of {parsed.RecordCount:N0} records quarantined ({SummariseReasons(parsed.Rejections)})"),
            }, ct).ConfigureAwait(false);
        }
        var applied = await markers.ApplyOnceAsync(runId, marker,
        [
            new CounterDelta(Counter.PagesTransformed, 1),
            new CounterDelta(Counter.ProductsParsed, parsed.RecordCount),
            new CounterDelta(Counter.ProductsUpserted, upserted),
            new CounterDelta(Counter.ProductsUnchanged, unchanged),
            new CounterDelta(Counter.ProductsRejected, rejectedRecords),
            new CounterDelta(Counter.PriceChanges, priceChanges),
        ], ct).ConfigureAwait(false);

        await finisher.TryFinishAsync(runId, ct).ConfigureAwait(false);
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
