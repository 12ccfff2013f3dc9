using System.Security.Cryptography;
using System.Text;
using Pipeline.Adapters.Local;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>The local stream spreads partition keys over its shards as Kinesis does: equal ranges of the key's MD5.</summary>
public sealed class LocalEventStreamShardTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private LocalEventStream Stream(int shards) =>
        new(Path.Combine(_dir.Path, $"stream-{shards}.db"), shards, TimeSpan.FromHours(1), TimeProvider.System);

    private static readonly string[] Keys = [.. Enumerable.Range(1, 2_000).Select(page => $"20260301T060000Z-abcdef12/{page}")];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(64)]
    public async Task Every_key_lands_on_one_of_the_shards_and_every_shard_gets_keys(int shards)
    {
        await using var stream = Stream(shards);
        var counts = new int[shards];
        foreach (var key in Keys) counts[stream.ShardIndexFor(key)]++; // an index outside the shards throws here
        Assert.All(counts, count => Assert.True(count > 0, $"a shard of {shards} got no key of {Keys.Length}"));
    }

    [Fact]
    public async Task A_key_lands_where_its_hash_key_falls_in_the_equal_ranges()
    {
        await using var one = Stream(1);
        await using var two = Stream(2);
        await using var four = Stream(4);
        foreach (var key in Keys)
        {
            // The top bits of the MD5 pick the range: with 2 shards the first bit, with 4 the first two.
            var top = MD5.HashData(Encoding.UTF8.GetBytes(key))[0];
            Assert.Equal(0, one.ShardIndexFor(key));
            Assert.Equal(top >> 7, two.ShardIndexFor(key));
            Assert.Equal(top >> 6, four.ShardIndexFor(key));
        }
    }
}
