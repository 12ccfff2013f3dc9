using Pipeline.Core.Caching;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>When a cached category list is read again: after a write, after its maximum age, and not otherwise.</summary>
public sealed class CategoryCacheTests
{
    private readonly ManualClock _clock = new();
    private int _reads;

    private Task<IReadOnlyList<string>> Read(CancellationToken _)
    {
        _reads++;
        return Task.FromResult<IReadOnlyList<string>>([$"read-{_reads}"]);
    }

    [Fact]
    public async Task A_list_is_read_once_until_a_write_or_its_maximum_age()
    {
        var cache = new CategoryCache(_clock, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1));

        Assert.Equal(["read-1"], await cache.GetAsync("synthetic", false, Read, CancellationToken.None));
        Assert.Equal(["read-1"], await cache.GetAsync("synthetic", false, Read, CancellationToken.None));
        Assert.Equal(["read-2"], await cache.GetAsync(null, false, Read, CancellationToken.None)); // each source its own

        cache.Invalidate();
        Assert.Equal(["read-3"], await cache.GetAsync("synthetic", false, Read, CancellationToken.None)); // at once, even within minAge

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(["read-3"], await cache.GetAsync("synthetic", false, Read, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["read-4"], await cache.GetAsync("synthetic", false, Read, CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_tolerating_writes_rereads_at_most_once_per_minimum_age()
    {
        var cache = new CategoryCache(_clock, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1));
        Assert.Equal(["read-1"], await cache.GetAsync(null, true, Read, CancellationToken.None));

        cache.Invalidate();
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["read-1"], await cache.GetAsync(null, true, Read, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["read-2"], await cache.GetAsync(null, true, Read, CancellationToken.None));
    }

    [Fact]
    public async Task Unknown_sources_beyond_the_limit_are_read_but_not_kept()
    {
        var cache = new CategoryCache(_clock, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        for (var i = 0; i < CategoryCache.MaxSources; i++) await cache.GetAsync($"source-{i}", false, Read, CancellationToken.None);
        var reads = _reads;

        await cache.GetAsync("one-too-many", false, Read, CancellationToken.None);
        await cache.GetAsync("one-too-many", false, Read, CancellationToken.None);
        Assert.Equal(reads + 2, _reads);
        await cache.GetAsync("source-0", false, Read, CancellationToken.None);
        Assert.Equal(reads + 2, _reads); // the kept ones still answer from the cache
    }
}
