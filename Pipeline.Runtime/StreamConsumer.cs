using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Core.Stages;
using Pipeline.Core.Telemetry;

namespace Pipeline.Runtime;

/// <summary>
/// The local equivalent of the Kinesis → Lambda event-source mapping: one reader per shard, batches handed to the
/// fetch handler (the Lambda's code), checkpoints kept in the run store so a restart resumes where it stopped.
/// Like ReportBatchItemFailures, a batch is checkpointed up to its first failed record, which is retried with backoff;
/// after the last attempt the record goes to the "on-failure destination": its run ends failed with the reason.
/// Waits for new records on the stream's <see cref="IStreamSignal"/> when it has one, and polls otherwise.
/// </summary>
public sealed class StreamConsumer(
    IEventStream stream,
    ICheckpointStore checkpoints,
    IServiceScopeFactory scopes,
    IRunStore runs,
    IOptions<PipelineOptions> pipelineOptions,
    IOptions<LocalMappingOptions> mappingOptions,
    TimeProvider clock,
    ILogger<StreamConsumer> logger,
    IStreamSignal? signal = null) : BackgroundService
{
    public const string ConsumerName = "fetch_product_data";
    private readonly Dictionary<string, ShardStatus> _status = new();

    /// <summary>Per-shard position and lag, for the throughput page.</summary>
    public IReadOnlyDictionary<string, ShardStatus> Status
    {
        get { lock (_status) return new Dictionary<string, ShardStatus>(_status); }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await stream.EnsureCreatedAsync(stoppingToken);
        var shards = await stream.ListShardsAsync(stoppingToken);
        await Task.WhenAll(shards.Select(shard => ConsumeShardAsync(shard, stoppingToken)));
    }

    private async Task ConsumeShardAsync(string shardId, CancellationToken stoppingToken)
    {
        var batchSize = pipelineOptions.Value.Stream.BatchSize;
        var maxAttempts = pipelineOptions.Value.Stream.MaxAttempts;
        var idleWait = mappingOptions.Value.IdleWait;
        string? checkpoint = null;
        IShardReader? reader = null;
        var attempts = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (reader is null)
                {
                    checkpoint = await checkpoints.GetCheckpointAsync(ConsumerName, shardId, stoppingToken);
                    reader = stream.OpenShard(shardId, checkpoint);
                }
                var result = await reader.ReadAsync(batchSize, stoppingToken);
                Report(shardId, checkpoint, result.MillisBehindLatest);
                if (result.Records.Count == 0)
                {
                    if (result.ShardClosed) return;
                    if (signal is not null) await signal.WaitForDataAsync(idleWait, stoppingToken);
                    else await Task.Delay(idleWait, clock, stoppingToken);
                    continue;
                }

                IReadOnlyList<string> failed;
                await using (var scope = scopes.CreateAsyncScope())
                    failed = await scope.ServiceProvider.GetRequiredService<FetchHandler>().HandleBatchAsync(result.Records, stoppingToken);

                var firstFailed = failed.Count == 0 ? null : failed[0];
                var done = firstFailed is null ? result.Records : result.Records.TakeWhile(r => r.SequenceNumber != firstFailed).ToList();
                if (done.Count > 0)
                {
                    checkpoint = done[^1].SequenceNumber;
                    await checkpoints.SetCheckpointAsync(ConsumerName, shardId, checkpoint, stoppingToken);
                }
                if (firstFailed is null)
                {
                    attempts = 0;
                    continue;
                }

                attempts = done.Count > 0 ? 1 : attempts + 1;
                var poison = result.Records.First(r => r.SequenceNumber == firstFailed);
                if (attempts >= maxAttempts)
                {
                    await SendToFailureDestinationAsync(poison, attempts, stoppingToken);
                    checkpoint = poison.SequenceNumber;
                    await checkpoints.SetCheckpointAsync(ConsumerName, shardId, checkpoint, stoppingToken);
                    attempts = 0;
                }
                else
                {
                    await Task.Delay(Backoff.For(attempts, mappingOptions.Value.RetryBaseDelay), clock, stoppingToken);
                }
                reader.Rewind(checkpoint);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The stream or checkpoint store itself failed: back off and reopen from the last checkpoint.
                logger.LogWarning(ex, "Consumer of {Shard} failed; reopening from checkpoint {Checkpoint}", shardId, checkpoint);
                reader = null;
                attempts++;
                await Task.Delay(Backoff.For(Math.Min(attempts, 8), mappingOptions.Value.RetryBaseDelay), clock, stoppingToken);
            }
        }
    }

    private async Task SendToFailureDestinationAsync(ReceivedRecord record, int attempts, CancellationToken ct)
    {
        FetchTask? task = null;
        try
        {
            task = JsonSerializer.Deserialize(record.Data.Span, CoreJsonContext.Default.FetchTask);
        }
        catch (JsonException)
        {
            // Unreadable: nothing to attribute it to.
        }
        logger.LogError("Fetch task {Sequence} on {Shard} failed {Attempts} times; giving up (run {RunId}, page {Page})",
            record.SequenceNumber, record.ShardId, attempts, task?.RunId, task?.Page);
        if (task is not null && await runs.EndAsync(task.RunId, RunStatus.Failed,
                $"page {task.Page} could not be fetched and stored after {attempts} attempts", clock.GetUtcNow(), ct))
            PipelineMetrics.RunEnded(task.Source, RunStatus.Failed.ToWire());
    }

    private void Report(string shardId, string? checkpoint, long? millisBehind)
    {
        lock (_status) _status[shardId] = new ShardStatus(shardId, checkpoint, millisBehind ?? 0, clock.GetUtcNow());
        PipelineMetrics.RecordConsumerLag(shardId, millisBehind ?? 0);
    }
}
