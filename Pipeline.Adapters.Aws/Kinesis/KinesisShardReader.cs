using Microsoft.Extensions.Logging;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>
/// Reads one shard with GetRecords, following NextShardIterator. Remembers the last sequence number it returned, so an
/// expired iterator is replaced by a new one AFTER_SEQUENCE_NUMBER that record (TRIM_HORIZON if none yet). Throttling
/// and other retryable errors back off and retry. A null NextShardIterator ends the shard (closed after a reshard).
/// </summary>
internal sealed partial class KinesisShardReader : IShardReader
{
    private const int MaxRecordsPerCall = 10_000;

    private readonly KinesisClient _client;
    private readonly string _streamName;
    private readonly int _maxAttempts;
    private readonly RetryBackoff _backoff;
    private readonly ILogger _logger;
    private string? _position;
    private string? _iterator;
    private bool _closed;

    public KinesisShardReader(
        KinesisClient client, string streamName, string shardId, string? afterSequenceNumber, int maxAttempts,
        RetryBackoff backoff, ILogger logger)
    {
        _client = client;
        _streamName = streamName;
        ShardId = shardId;
        _position = afterSequenceNumber;
        _maxAttempts = maxAttempts;
        _backoff = backoff;
        _logger = logger;
    }

    public string ShardId { get; }

    /// <summary>The sequence number of the last record returned (or the starting checkpoint).</summary>
    public string? Position => _position;

    public async Task<ShardReadResult> ReadAsync(int maxRecords, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        if (_closed) return new ShardReadResult([], 0, ShardClosed: true);

        var limit = Math.Min(maxRecords, MaxRecordsPerCall);
        for (var attempt = 1; ; attempt++)
        {
            GetRecordsResponse response;
            try
            {
                _iterator ??= await AcquireIteratorAsync(ct).ConfigureAwait(false);
                response = await _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = _iterator, Limit = limit }, ct)
                    .ConfigureAwait(false);
            }
            catch (KinesisException ex) when (ex.IsExpiredIterator && attempt < _maxAttempts)
            {
                LogIteratorExpired(_streamName, ShardId, _position);
                _iterator = null;
                continue;
            }
            catch (Exception ex) when (attempt < _maxAttempts && KinesisEventStream.IsTransient(ex, ct))
            {
                LogReadRetry(_streamName, ShardId, attempt, KinesisEventStream.Describe(ex));
                await _backoff.WaitAsync(attempt, ct).ConfigureAwait(false);
                continue;
            }

            var records = new List<ReceivedRecord>(response.Records.Count);
            foreach (var record in response.Records)
            {
                records.Add(new ReceivedRecord(
                    ShardId, record.SequenceNumber, record.PartitionKey, record.Data,
                    record.ApproximateArrivalTimestamp ?? DateTimeOffset.UnixEpoch));
            }
            if (records.Count > 0) _position = records[^1].SequenceNumber;
            _iterator = response.NextShardIterator;
            _closed = _iterator is null;
            if (_closed) LogShardClosed(_streamName, ShardId);
            return new ShardReadResult(records, response.MillisBehindLatest, _closed);
        }
    }

    public void Rewind(string? afterSequenceNumber)
    {
        _position = afterSequenceNumber;
        _iterator = null;
        _closed = false;
    }

    private async Task<string> AcquireIteratorAsync(CancellationToken ct)
    {
        var request = _position is null
            ? new GetShardIteratorRequest { StreamName = _streamName, ShardId = ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon }
            : new GetShardIteratorRequest
            {
                StreamName = _streamName,
                ShardId = ShardId,
                ShardIteratorType = ShardIteratorType.AfterSequenceNumber,
                StartingSequenceNumber = _position,
            };
        var response = await _client.GetShardIteratorAsync(request, ct).ConfigureAwait(false);
        return response.ShardIterator
            ?? throw new InvalidOperationException($"Kinesis GetShardIterator returned no iterator for shard {ShardId} of '{_streamName}'.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard iterator of {StreamName}/{ShardId} expired; re-acquiring after {SequenceNumber}")]
    private partial void LogIteratorExpired(string streamName, string shardId, string? sequenceNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kinesis GetRecords on {StreamName}/{ShardId} failed (attempt {Attempt}): {Error}; retrying")]
    private partial void LogReadRetry(string streamName, string shardId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {StreamName}/{ShardId} is closed and fully read")]
    private partial void LogShardClosed(string streamName, string shardId);
}
