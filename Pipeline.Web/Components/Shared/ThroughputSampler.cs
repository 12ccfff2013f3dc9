using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Runtime;

namespace Pipeline.Web.Components.Shared;

/// <summary>
/// Samples the recent runs' counters every few seconds into a ring buffer, so the throughput page can chart stream
/// records/s and bytes/s over the last hours. Rates come from per-run counter deltas, so a run that scrolls out of
/// the recent list never shows up as a negative rate.
/// </summary>
public sealed class ThroughputSampler(
    IRunStore runs, IServiceProvider services, IOptions<ThroughputSamplingOptions> options, TimeProvider clock, ILogger<ThroughputSampler> logger)
    : BackgroundService
{
    private readonly Dictionary<string, StageCounters> _previous = new(StringComparer.Ordinal);
    private readonly Queue<ThroughputSample> _samples = new();
    private readonly object _gate = new();
    private DateTimeOffset? _previousAt;

    /// <summary>The sampling interval, for the page to say how often a sample comes.</summary>
    public string IntervalText => options.Value.SampleInterval.TotalSeconds is var s && s < 60 ? $"{s:0.#} s" : $"{s / 60:0.#} min";

    public IReadOnlyList<ThroughputSample> Samples
    {
        get { lock (_gate) return _samples.ToList(); }
    }

    /// <summary>The stream consumer's per-shard lag (empty when this host runs no local event-source mapping).</summary>
    public IReadOnlyList<ShardStatus> Shards =>
        services.GetService<StreamConsumer>()?.Status.Values.OrderBy(s => s.ShardId, StringComparer.Ordinal).ToList() ?? [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SampleInterval, clock);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Throughput sample failed: {Error}", ex.Message);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Takes one sample now (the first one only primes the counters).</summary>
    public async Task SampleAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var recent = await runs.ListRunsAsync(50, ct);
        long published = 0, consumed = 0, rawObjects = 0, rawBytes = 0, products = 0;
        lock (_gate)
        {
            foreach (var run in recent)
            {
                var previous = _previous.GetValueOrDefault(run.RunId) ?? (_previousAt is null ? run.Stages : StageCounters.Zero);
                var c = run.Stages;
                published += Math.Max(0, c.TasksPublished - previous.TasksPublished);
                consumed += Math.Max(0, c.PagesFetched + c.PagesFailed - previous.PagesFetched - previous.PagesFailed);
                rawObjects += Math.Max(0, c.RawObjects - previous.RawObjects);
                rawBytes += Math.Max(0, c.RawBytes - previous.RawBytes);
                products += Math.Max(0, c.ProductsUpserted + c.ProductsUnchanged - previous.ProductsUpserted - previous.ProductsUnchanged);
                _previous[run.RunId] = c;
            }
            foreach (var gone in _previous.Keys.Except(recent.Select(r => r.RunId)).ToList()) _previous.Remove(gone);
            if (_previousAt is { } before && now > before)
            {
                var seconds = (now - before).TotalSeconds;
                var lag = Shards.Select(s => s.MillisBehindLatest).DefaultIfEmpty(0).Max();
                _samples.Enqueue(new ThroughputSample(now, published / seconds, consumed / seconds, rawObjects / seconds, rawBytes / seconds,
                    products / seconds, lag));
                while (_samples.Count > Math.Max(1, options.Value.Capacity)) _samples.Dequeue();
            }
            _previousAt = now;
        }
    }
}
