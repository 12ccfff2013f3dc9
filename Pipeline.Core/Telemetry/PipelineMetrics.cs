using System.Diagnostics.Metrics;

namespace Pipeline.Core.Telemetry;

/// <summary>
/// The pipeline's metrics, on one <see cref="Meter"/> named <see cref="PipelineTelemetry.Name"/>: counted where the
/// stages count (a counter only when its idempotency marker was newly applied, so a redelivery adds nothing). Names
/// under <c>pipeline.*</c>; Prometheus shows them as <c>pipeline_*</c>. With no listener a measurement costs a check.
/// </summary>
public static class PipelineMetrics
{
    public static readonly Meter Meter = new(PipelineTelemetry.Name);

    public static readonly Counter<long> Runs = Meter.CreateCounter<long>("pipeline.runs", "{run}", "Runs ended, by source and status.");
    public static readonly Counter<long> PagesFetched = Meter.CreateCounter<long>("pipeline.pages.fetched", "{page}", "Pages fetched into the raw zone.");
    public static readonly Counter<long> PagesFailed = Meter.CreateCounter<long>("pipeline.pages.failed", "{page}", "Pages the source could not serve (quarantined).");
    public static readonly Counter<long> ProductsParsed = Meter.CreateCounter<long>("pipeline.products.parsed", "{product}", "Product records read from raw pages.");
    public static readonly Counter<long> ProductsUpserted = Meter.CreateCounter<long>("pipeline.products.upserted", "{product}", "Products written because they changed.");
    public static readonly Counter<long> ProductsRejected = Meter.CreateCounter<long>("pipeline.products.rejected", "{product}", "Product records quarantined.");
    public static readonly Counter<long> PriceChanges = Meter.CreateCounter<long>("pipeline.price_changes", "{change}", "Price observations appended.");
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("pipeline.stage.duration", "s", "Time one stage took for one run (plan), page (fetch, transform) or refresh.");
    public static readonly Gauge<long> ConsumerLag = Meter.CreateGauge<long>("pipeline.stream.consumer_lag", "ms", "How far the stream consumer is behind the newest record, per shard.");
    public static readonly Histogram<double> RefreshDuration = Meter.CreateHistogram<double>("pipeline.refresh.duration", "s", "Warehouse refreshes, start to end (retries included), by status.");
    public static readonly Counter<long> RefreshRows = Meter.CreateCounter<long>("pipeline.refresh.rows", "{row}", "Rows loaded into the warehouse, by table.");
    public static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>("pipeline.webhook.deliveries", "{attempt}", "Webhook delivery attempts, by outcome.");

    private const string StageTag = "pipeline.stage";
    private const string StatusTag = "pipeline.status";

    public static void RunEnded(string source, string status) =>
        Runs.Add(1, new(PipelineTelemetry.SourceTag, source), new(StatusTag, status));

    public static void PageFetched(string source) => PagesFetched.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.SourceTag, source));

    public static void PageFailed(string source) => PagesFailed.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.SourceTag, source));

    /// <summary>One page transformed (its marker newly applied).</summary>
    public static void PageTransformed(string source, int parsed, int upserted, int rejected, int priceChanges)
    {
        var tag = new KeyValuePair<string, object?>(PipelineTelemetry.SourceTag, source);
        ProductsParsed.Add(parsed, tag);
        ProductsUpserted.Add(upserted, tag);
        ProductsRejected.Add(rejected, tag);
        PriceChanges.Add(priceChanges, tag);
    }

    public static void RecordStageDuration(string stage, string source, TimeSpan elapsed) =>
        StageDuration.Record(elapsed.TotalSeconds, new(StageTag, stage), new(PipelineTelemetry.SourceTag, source));

    public static void RecordConsumerLag(string shardId, long millisBehindLatest) =>
        ConsumerLag.Record(millisBehindLatest, new KeyValuePair<string, object?>("pipeline.shard", shardId));

    public static void RefreshEnded(string status, TimeSpan duration, long products, long observations)
    {
        RefreshDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(StatusTag, status));
        RefreshRows.Add(products, new KeyValuePair<string, object?>("pipeline.table", "products"));
        RefreshRows.Add(observations, new KeyValuePair<string, object?>("pipeline.table", "price_observations"));
    }

    public static void WebhookAttempted(string outcome) =>
        WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("pipeline.outcome", outcome));
}
