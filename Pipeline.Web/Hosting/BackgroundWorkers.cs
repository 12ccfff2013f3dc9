using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;

namespace Pipeline.Web.Hosting;

/// <summary>Plans queued runs (the trigger stage's second half), one at a time.</summary>
public sealed class PlanWorker(PlanQueue queue, IServiceScopeFactory scopes, ILogger<PlanWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var runId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IngestionService>().PlanAndPublishAsync(runId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Planning run {RunId} crashed", runId);
            }
            finally
            {
                queue.MarkDone();
            }
        }
    }
}

/// <summary>
/// Executes queued warehouse refreshes, each on a task of its own: their attempts never overlap (the refresher runs one
/// at a time), but a refresh waiting for its retry does not hold back the refreshes queued after it.
/// </summary>
public sealed class RefreshWorker(RefreshQueue queue, IServiceScopeFactory scopes, ILogger<RefreshWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            await foreach (var refreshId in queue.ReadAllAsync(stoppingToken))
            {
                running.RemoveAll(t => t.IsCompleted);
                running.Add(RunAsync(refreshId, stoppingToken));
            }
        }
        finally
        {
            await Task.WhenAll(running);
        }
    }

    private async Task RunAsync(string refreshId, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<WarehouseRefresher>().ExecuteAsync(refreshId, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the refresh stays running and is taken up again at the next start.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Refresh {RefreshId} crashed", refreshId);
        }
        finally
        {
            queue.MarkDone();
        }
    }
}

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
                    if (RawKeys.TryParse(key, out _, out _, out var runId, out _))
                        await EndRunFailedAsync(runId, $"transform of {key} failed after {attempt} attempts: {ex.Message}", stoppingToken);
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
    private async Task EndRunFailedAsync(string runId, string error, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await runs.EndAsync(runId, RunStatus.Failed, error, clock.GetUtcNow(), stoppingToken);
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

/// <summary>Settings of the local event-source mappings (<c>Pipeline:Local</c>).</summary>
public sealed class LocalMappingOptions
{
    public const string Section = "Pipeline:Local";

    /// <summary>
    /// Transform workers; 0 means eight per core (at least eight): a worker parses while others wait for the store's
    /// group commit, and more pages waiting means larger commits (1M Synthetic products on two cores: 16 workers made
    /// 2,200-2,500 commits instead of 3,900-4,200, and the runs 5-9% shorter than with 8; docs/performance.md).
    /// </summary>
    public int TransformWorkers { get; set; }

    public int MaxAttempts { get; set; } = 5;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long an idle stream consumer waits for new records before polling again.</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    public int EffectiveTransformWorkers => TransformWorkers > 0 ? TransformWorkers : Math.Max(8, 8 * Environment.ProcessorCount);
}

/// <summary>Exponential backoff with full jitter, capped at 30 s.</summary>
public static class Backoff
{
    public static TimeSpan For(int attempt, TimeSpan baseDelay)
    {
        var cap = Math.Min(30_000, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }
}
