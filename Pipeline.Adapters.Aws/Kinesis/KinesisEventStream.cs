using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>
/// <see cref="IEventStream"/> on Kinesis Data Streams. Publishing splits records into PutRecords requests within the
/// service limits (500 records, 5 MiB, 1 MiB per record) and retries only the entries that failed, with exponential
/// backoff and full jitter. Readers follow shard iterators (see <see cref="OpenShard"/>).
/// </summary>
/// <remarks>
/// Retrying failed entries alone means two records with the same partition key can land in a different order than
/// given when the first one was throttled; consumers must not rely on the order within a publish call.
/// </remarks>
public sealed partial class KinesisEventStream : IEventStream
{
    private readonly KinesisClient _client;
    private readonly KinesisStreamOptions _options;
    private readonly ILogger<KinesisEventStream> _logger;
    private readonly TimeProvider _time;
    private readonly RetryBackoff _backoff;

    public KinesisEventStream(
        KinesisClient client,
        IOptions<KinesisStreamOptions> options,
        ILogger<KinesisEventStream> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options.Value;
        if (string.IsNullOrWhiteSpace(_options.StreamName))
            throw new InvalidOperationException("KinesisStreamOptions.StreamName is required.");
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new RetryBackoff(_options.RetryBaseDelay, _options.RetryMaxDelay, _time);
    }

    public string ProviderName => "Kinesis";

    public string StreamName => _options.StreamName;

    /// <summary>
    /// Waits until the stream is ACTIVE. A missing stream is created with <see cref="KinesisStreamOptions.ShardCount"/>
    /// shards when <see cref="KinesisStreamOptions.CreateIfMissing"/> is set, and is an error otherwise.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        try
        {
            await _client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = StreamName }, ct).ConfigureAwait(false);
        }
        catch (KinesisException ex) when (ex.IsResourceNotFound)
        {
            if (!_options.CreateIfMissing)
                throw new InvalidOperationException(
                    $"Kinesis stream '{StreamName}' does not exist at {_client.Endpoint} (region {_options.Region}). Create it, or set " +
                    $"{nameof(KinesisStreamOptions)}.{nameof(KinesisStreamOptions.CreateIfMissing)} to create it at start.", ex);
            try
            {
                await _client.CreateStreamAsync(
                    new CreateStreamRequest { StreamName = StreamName, ShardCount = _options.ShardCount }, ct).ConfigureAwait(false);
                LogCreated(StreamName, _options.ShardCount);
            }
            catch (KinesisException inUse) when (inUse.ErrorType == "ResourceInUseException")
            {
                // Created concurrently by another instance: wait for it like for our own.
            }
        }
        await _client.WaitForStreamActiveAsync(StreamName, _options.ActivationTimeout, _options.ActivationPollInterval, ct)
            .ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task PublishAsync(IReadOnlyList<StreamRecord> records, CancellationToken ct)
    {
        PutRecordsBatches.Validate(records);
        foreach (var (start, count) in PutRecordsBatches.Split(records))
        {
            var pending = new List<StreamRecord>(count);
            for (var i = start; i < start + count; i++) pending.Add(records[i]);
            await PublishBatchAsync(pending, ct).ConfigureAwait(false);
        }
    }

    private async Task PublishBatchAsync(List<StreamRecord> pending, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            PutRecordsResponse response;
            try
            {
                response = await _client.PutRecordsAsync(
                    new PutRecordsRequest
                    {
                        StreamName = StreamName,
                        Records = pending.ConvertAll(r => new PutRecordsRequestEntry { Data = r.Data, PartitionKey = r.PartitionKey }),
                    },
                    ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _options.MaxAttempts && IsTransient(ex, ct))
            {
                LogCallRetry("PutRecords", StreamName, attempt, Describe(ex));
                await _backoff.WaitAsync(attempt, ct).ConfigureAwait(false);
                continue;
            }

            if (response.Records.Count != pending.Count)
                throw new InvalidOperationException(
                    $"Kinesis PutRecords answered {response.Records.Count} results for {pending.Count} records.");

            var failed = new List<StreamRecord>();
            PutRecordsResultEntry? lastError = null;
            for (var i = 0; i < pending.Count; i++)
            {
                if (string.IsNullOrEmpty(response.Records[i].ErrorCode)) continue;
                failed.Add(pending[i]);
                lastError = response.Records[i];
            }
            if (failed.Count == 0) return;
            if (attempt >= _options.MaxAttempts)
                throw new KinesisPublishException(StreamName, failed.Count, attempt, lastError?.ErrorCode, lastError?.ErrorMessage);

            LogPartialFailure(StreamName, failed.Count, pending.Count, lastError?.ErrorCode, attempt);
            pending = failed;
            await _backoff.WaitAsync(attempt, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Every shard id (open and closed), following ListShards pages.</summary>
    public async Task<IReadOnlyList<string>> ListShardsAsync(CancellationToken ct)
    {
        var ids = new List<string>();
        await foreach (var shard in _client.ListAllShardsAsync(StreamName, _options.ListShardsPageSize, ct).ConfigureAwait(false))
            ids.Add(shard.ShardId);
        return ids;
    }

    /// <summary>
    /// A reader for one shard, positioned after <paramref name="afterSequenceNumber"/> (AFTER_SEQUENCE_NUMBER) or at
    /// the oldest record (TRIM_HORIZON) when null. Not thread-safe: one consumer per reader.
    /// </summary>
    public IShardReader OpenShard(string shardId, string? afterSequenceNumber)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        return new KinesisShardReader(_client, StreamName, shardId, afterSequenceNumber, _options.MaxAttempts, _backoff, _logger);
    }

    internal static bool IsTransient(Exception ex, CancellationToken ct) => ex switch
    {
        KinesisException kinesis => kinesis.IsRetryable,
        HttpRequestException => true,
        TaskCanceledException => !ct.IsCancellationRequested, // HttpClient timeout
        _ => false,
    };

    internal static string Describe(Exception ex) => ex is KinesisException k ? k.ErrorType : ex.GetType().Name + ": " + ex.Message;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Kinesis stream {StreamName} with {ShardCount} shard(s)")]
    private partial void LogCreated(string streamName, int shardCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kinesis {Operation} on {StreamName} failed (attempt {Attempt}): {Error}; retrying")]
    private partial void LogCallRetry(string operation, string streamName, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kinesis PutRecords on {StreamName}: {Failed} of {Sent} records failed ({ErrorCode}, attempt {Attempt}); retrying only those")]
    private partial void LogPartialFailure(string streamName, int failed, int sent, string? errorCode, int attempt);
}
