using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Core.Telemetry;

namespace Pipeline.Runtime;

/// <summary>
/// Hands each new raw object to the transform handler (the same code as the S3-triggered Lambda), with a few workers.
/// A transient failure is retried with backoff; an object that still fails ends its run as failed with the reason.
/// </summary>
public sealed class TransformWorker(
    RawObjectQueue queue, IServiceScopeFactory scopes, IOptions<LocalMappingOptions> options, IRunStore runs, TimeProvider clock,
    ILogger<TransformWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.EffectiveTransformWorkers).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await foreach (var created in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await TransformWithRetriesAsync(created.Key, stoppingToken);
            }
            finally
            {
                queue.MarkDone();
            }
        }
    }

    private async Task TransformWithRetriesAsync(string key, CancellationToken stoppingToken)
    {
        var maxAttempts = options.Value.MaxAttempts;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<TransformHandler>().HandleAsync(key, stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (attempt >= maxAttempts)
                {
                    logger.LogError(ex, "Transform of {Key} failed after {Attempts} attempts", key, attempt);
                    if (RawKeys.TryParse(key, out var source, out _, out var runId, out _))
                        await EndRunFailedAsync(source, runId, $"transform of {key} failed after {attempt} attempts: {ex.Message}", stoppingToken);
                    return;
                }
                logger.LogWarning("Transform of {Key} failed (attempt {Attempt}): {Error}", key, attempt, ex.Message);
                await Task.Delay(Backoff.For(attempt, options.Value.RetryBaseDelay), clock, stoppingToken);
            }
        }
    }

    /// <summary>
    /// The run store may be what failed (e.g. DynamoDB unreachable): keep trying to record the failure until it answers,
    /// rather than let the exception end this worker and leave the run running forever.
    /// </summary>
    private async Task EndRunFailedAsync(string source, string runId, string error, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await runs.EndAsync(runId, RunStatus.Failed, error, clock.GetUtcNow(), stoppingToken))
                    PipelineMetrics.RunEnded(source, RunStatus.Failed.ToWire());
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not mark run {RunId} failed (attempt {Attempt}); retrying: {Error}", runId, attempt, ex.Message);
                await Task.Delay(Backoff.For(Math.Min(attempt, 4), options.Value.RetryBaseDelay), clock, stoppingToken);
            }
        }
    }
}
