using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// A durable local stream: an append-only log in SQLite with Kinesis-like shards (chosen by the MD5 of the partition
/// key), per-shard increasing sequence numbers, and a retention window. Survives a restart.
/// </summary>
public sealed class LocalEventStream : IEventStream, IStreamSignal, IAsyncDisposable
{
    private readonly SqliteDatabase _db;
    private readonly int _shardCount;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private int _waiters;
    private long _publishes;

    public LocalEventStream(string path, int shardCount, TimeSpan retention, TimeProvider clock, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        _db = new SqliteDatabase(path, logger: logger);
        _shardCount = shardCount;
        _retention = retention;
        _clock = clock;
    }

    public string ProviderName => "Local";

    /// <summary>What the stream file's WAL checkpoints have done so far (see <see cref="SqliteDatabase.Checkpoints"/>).</summary>
    public SqliteCheckpointStats Checkpoints => _db.Checkpoints;

    internal SqliteDatabase Database => _db;

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    public static string ShardName(int index) => $"shardId-{index:D12}";

    public Task EnsureCreatedAsync(CancellationToken ct) => _db.ExecuteAsync("""
        CREATE TABLE IF NOT EXISTS shards (shard_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS records (
            shard_id TEXT NOT NULL, seq INTEGER NOT NULL, partition_key TEXT NOT NULL, data BLOB NOT NULL, arrival INTEGER NOT NULL,
            PRIMARY KEY (shard_id, seq)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS records_arrival ON records (arrival);
        """, ct);

    /// <summary>
    /// Kinesis maps the MD5 of the partition key onto equal hash-key ranges: the shard is the key's top 64 bits scaled to
    /// the shard count (the high half of their 128-bit product, so one shard covers the whole range; the former
    /// <c>high / (ulong.MaxValue / n + 1)</c> divided by zero when n was 1).
    /// </summary>
    public int ShardIndexFor(string partitionKey)
    {
        Span<byte> hash = stackalloc byte[16];
        MD5.HashData(Encoding.UTF8.GetBytes(partitionKey), hash);
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
        return (int)Math.BigMul(high, (ulong)_shardCount, out _);
    }

    public async Task PublishAsync(IReadOnlyList<StreamRecord> records, CancellationToken ct)
    {
        if (records.Count == 0) return;
        foreach (var r in records)
        {
            if (string.IsNullOrEmpty(r.PartitionKey) || r.PartitionKey.Length > 256)
                throw new ArgumentException($"Partition key must be 1..256 characters (got {r.PartitionKey?.Length ?? 0}).");
            if (r.Data.Length + Encoding.UTF8.GetByteCount(r.PartitionKey) > 1024 * 1024)
                throw new ArgumentException($"Record with partition key '{r.PartitionKey}' is {r.Data.Length} bytes, over the 1 MiB limit.");
        }
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var shards = new int[records.Count];
        for (var i = 0; i < shards.Length; i++) shards[i] = ShardIndexFor(records[i].PartitionKey);
        await _db.WriteAsync(session =>
        {
            var next = new long[_shardCount];
            using (var read = session.Connection.CreateCommand())
            {
                read.CommandText = "SELECT shard_id, next_seq FROM shards";
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    var index = int.Parse(reader.GetString(0).AsSpan("shardId-".Length), CultureInfo.InvariantCulture);
                    if (index < _shardCount) next[index] = reader.GetInt64(1);
                }
            }
            for (var i = 0; i < _shardCount; i++) next[i] = Math.Max(next[i], 1);
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                var shard = shards[i];
                var insert = session.Statement("INSERT INTO records (shard_id, seq, partition_key, data, arrival) VALUES (?1, ?2, ?3, ?4, ?5)")
                    .Text(1, ShardName(shard)).Int(2, next[shard]++).Text(3, record.PartitionKey).Blob(4, record.Data.Span).Int(5, now);
                insert.Run();
            }
            for (var i = 0; i < _shardCount; i++)
                session.Statement("INSERT INTO shards (shard_id, next_seq) VALUES (?1, ?2) ON CONFLICT(shard_id) DO UPDATE SET next_seq = excluded.next_seq")
                    .Text(1, ShardName(i)).Int(2, next[i]).Run();
        }, ct).ConfigureAwait(false);
        if (Interlocked.Increment(ref _publishes) % 64 == 0) await TrimAsync(ct).ConfigureAwait(false);
        var waiters = Volatile.Read(ref _waiters);
        if (waiters > 0) _signal.Release(waiters);
    }

    /// <summary>Drops records older than the retention window (like Kinesis' retention period).</summary>
    public Task<int> TrimAsync(CancellationToken ct)
    {
        var cutoff = (_clock.GetUtcNow() - _retention).ToUnixTimeMilliseconds();
        return _db.WriteAsync(session => session.Statement("DELETE FROM records WHERE arrival < ?1").Int(1, cutoff).Run(), ct);
    }

    public Task<IReadOnlyList<string>> ListShardsAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(Enumerable.Range(0, _shardCount).Select(ShardName).ToList());

    public IShardReader OpenShard(string shardId, string? afterSequenceNumber) => new Reader(this, shardId, afterSequenceNumber);

    public async Task WaitForDataAsync(TimeSpan timeout, CancellationToken ct)
    {
        Interlocked.Increment(ref _waiters);
        try
        {
            await _signal.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    /// <summary>Latest sequence number per shard (for consumer-lag figures).</summary>
    public async Task<IReadOnlyDictionary<string, long>> LatestSequenceNumbersAsync(CancellationToken ct)
    {
        var result = new Dictionary<string, long>();
        await using var connection = await _db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT shard_id, next_seq - 1 FROM shards";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) result[reader.GetString(0)] = reader.GetInt64(1);
        return result;
    }

    private sealed class Reader(LocalEventStream owner, string shardId, string? after) : IShardReader
    {
        private long _after = Parse(after);

        public string ShardId { get; } = shardId;

        public void Rewind(string? afterSequenceNumber) => _after = Parse(afterSequenceNumber);

        private static long Parse(string? sequence) =>
            sequence is null ? 0 : long.Parse(sequence, NumberStyles.None, CultureInfo.InvariantCulture);

        public async Task<ShardReadResult> ReadAsync(int maxRecords, CancellationToken ct)
        {
            var records = new List<ReceivedRecord>();
            await using var connection = await owner._db.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT seq, partition_key, data, arrival FROM records WHERE shard_id = $s AND seq > $q ORDER BY seq LIMIT $n";
            command.Parameters.AddWithValue("$s", ShardId);
            command.Parameters.AddWithValue("$q", _after);
            command.Parameters.AddWithValue("$n", maxRecords);
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var seq = reader.GetInt64(0);
                    records.Add(new ReceivedRecord(ShardId, seq.ToString(CultureInfo.InvariantCulture), reader.GetString(1),
                        (byte[])reader.GetValue(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
                    _after = seq;
                }
            }
            long? behind = records.Count == maxRecords
                ? Math.Max(0, (long)(owner._clock.GetUtcNow() - records[^1].ArrivalTime).TotalMilliseconds)
                : 0;
            return new ShardReadResult(records, behind, ShardClosed: false);
        }
    }
}
