using System.Numerics;
using System.Text;
using Pipeline.Core.Ports;
using Xunit.Sdk;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every <see cref="IEventStream"/> must do, whatever backs it. Derive once per implementation and supply
/// <see cref="CreateStreamAsync"/>.
/// </summary>
public abstract class EventStreamContractTests
{
    /// <summary>Upper bound of reads while draining one shard (guards against a reader that never ends).</summary>
    private const int MaxReadsPerShard = 1000;

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    /// <summary>Cancels a test that hangs (one minute per test).</summary>
    protected CancellationToken Timeout => _timeout.Token;

    /// <summary>
    /// A new, empty stream called <paramref name="name"/> (1..128 of <c>[a-zA-Z0-9_.-]</c>), already created
    /// (<see cref="IEventStream.EnsureCreatedAsync"/> done), with at least two shards.
    /// </summary>
    protected abstract Task<IEventStream> CreateStreamAsync(string name);

    [Fact]
    public async Task Published_records_come_back_in_order_per_shard_with_increasing_sequence_numbers()
    {
        var stream = await CreateStreamAsync(NewName("order"));
        var published = Enumerable.Range(0, 40)
            .Select(i => new StreamRecord($"key-{i % 8}", Encoding.UTF8.GetBytes($"record-{i:D3}")))
            .ToList();

        await stream.PublishAsync(published, Timeout);
        var byShard = await ReadEverythingAsync(stream);

        var all = byShard.Values.SelectMany(r => r).ToList();
        Assert.Equal(
            published.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order(StringComparer.Ordinal),
            all.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order(StringComparer.Ordinal));
        foreach (var (shardId, records) in byShard)
        {
            Assert.All(records, r => Assert.Equal(shardId, r.ShardId));
            var sequence = records.Select(r => BigInteger.Parse(r.SequenceNumber)).ToList();
            Assert.True(sequence.Zip(sequence.Skip(1)).All(p => p.First < p.Second),
                $"sequence numbers of {shardId} are not strictly increasing: {string.Join(", ", sequence)}");
            var data = records.Select(r => Encoding.UTF8.GetString(r.Data.Span)).ToList();
            Assert.Equal(data.Order(StringComparer.Ordinal), data);
        }
    }

    [Fact]
    public async Task Reading_after_a_checkpoint_returns_only_later_records()
    {
        var stream = await CreateStreamAsync(NewName("checkpoint"));
        await stream.PublishAsync(Batch("first", 12), Timeout);
        var firstRead = await ReadEverythingAsync(stream);
        var checkpoints = firstRead.ToDictionary(p => p.Key, p => p.Value.LastOrDefault()?.SequenceNumber);

        var second = Batch("second", 12);
        await stream.PublishAsync(second, Timeout);

        var later = new List<ReceivedRecord>();
        foreach (var (shardId, checkpoint) in checkpoints)
        {
            var reader = stream.OpenShard(shardId, checkpoint);
            var records = await DrainAsync(reader);
            Assert.All(records, r => Assert.StartsWith("second-", Encoding.UTF8.GetString(r.Data.Span), StringComparison.Ordinal));
            later.AddRange(records);

            reader.Rewind(checkpoint);
            Assert.Equal(records.Select(r => r.SequenceNumber), (await DrainAsync(reader)).Select(r => r.SequenceNumber));

            reader.Rewind(null);
            var everything = await DrainAsync(reader);
            Assert.Equal(firstRead[shardId].Count + records.Count, everything.Count);
        }
        Assert.Equal(
            second.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order(StringComparer.Ordinal),
            later.Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_same_partition_key_always_lands_on_the_same_shard()
    {
        var stream = await CreateStreamAsync(NewName("spread"));
        for (var round = 0; round < 3; round++)
            await stream.PublishAsync(Enumerable.Range(0, 16).Select(k => new StreamRecord($"product-{k}", new byte[] { (byte)round })).ToList(), Timeout);

        var byShard = await ReadEverythingAsync(stream);

        var shardsPerKey = byShard.Values.SelectMany(r => r)
            .GroupBy(r => r.PartitionKey)
            .ToDictionary(g => g.Key, g => g.Select(r => r.ShardId).Distinct().ToList());
        Assert.Equal(16, shardsPerKey.Count);
        Assert.All(shardsPerKey, p => Assert.True(p.Value.Count == 1, $"{p.Key} landed on {string.Join(", ", p.Value)}"));
        Assert.All(shardsPerKey, p => Assert.Equal(3, byShard[p.Value[0]].Count(r => r.PartitionKey == p.Key)));
        Assert.True(byShard.Count(s => s.Value.Count > 0) > 1, "16 partition keys all landed on one shard");
    }

    [Fact]
    public async Task Reading_an_empty_shard_returns_an_empty_batch()
    {
        var stream = await CreateStreamAsync(NewName("empty"));
        await stream.EnsureCreatedAsync(Timeout); // a second call changes nothing

        var shards = await stream.ListShardsAsync(Timeout);

        Assert.True(shards.Count >= 2, $"expected at least two shards, got {shards.Count}");
        Assert.Equal(shards, await stream.ListShardsAsync(Timeout));
        foreach (var shardId in shards)
        {
            var result = await stream.OpenShard(shardId, null).ReadAsync(10, Timeout);
            Assert.Empty(result.Records);
            Assert.False(result.ShardClosed);
        }
    }

    [Fact]
    public async Task Data_and_partition_keys_round_trip_exactly_including_binary()
    {
        var stream = await CreateStreamAsync(NewName("binary"));
        var random = new Random(20150830);
        var large = new byte[64 * 1024];
        random.NextBytes(large);
        var published = new Dictionary<string, byte[]>
        {
            ["all-byte-values"] = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(),
            ["invalid-utf8"] = [0xC3, 0x28, 0xFF, 0xFE, 0x00, 0x80],
            ["single-zero"] = [0x00],
            ["random-64k"] = large,
            ["ключ-✓ with spaces/\"quotes\"\\"] = "ünïcödé data ✓"u8.ToArray(),
        };

        await stream.PublishAsync(published.Select(p => new StreamRecord(p.Key, p.Value)).ToList(), Timeout);
        var received = (await ReadEverythingAsync(stream)).Values.SelectMany(r => r).ToList();

        Assert.Equal(published.Keys.Order(StringComparer.Ordinal), received.Select(r => r.PartitionKey).Order(StringComparer.Ordinal));
        foreach (var record in received) Assert.Equal(published[record.PartitionKey], record.Data.ToArray());
    }

    /// <summary>Reads every shard from the oldest record until it is drained (an empty batch) or closed.</summary>
    protected async Task<Dictionary<string, List<ReceivedRecord>>> ReadEverythingAsync(IEventStream stream)
    {
        var result = new Dictionary<string, List<ReceivedRecord>>();
        foreach (var shardId in await stream.ListShardsAsync(Timeout))
            result[shardId] = await DrainAsync(stream.OpenShard(shardId, null));
        return result;
    }

    protected async Task<List<ReceivedRecord>> DrainAsync(IShardReader reader, int batchSize = 7)
    {
        var records = new List<ReceivedRecord>();
        for (var read = 0; read < MaxReadsPerShard; read++)
        {
            var batch = await reader.ReadAsync(batchSize, Timeout);
            records.AddRange(batch.Records);
            if (batch.Records.Count == 0 || batch.ShardClosed) return records;
        }
        throw new XunitException($"shard {reader.ShardId} was not drained after {MaxReadsPerShard} reads");
    }

    private static List<StreamRecord> Batch(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new StreamRecord($"key-{i % 6}", Encoding.UTF8.GetBytes($"{prefix}-{i:D3}"))).ToList();

    private static string NewName(string test) => $"contract-{test}-{Guid.NewGuid():N}";
}
