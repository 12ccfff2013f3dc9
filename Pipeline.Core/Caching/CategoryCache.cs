using System.Collections.Concurrent;

namespace Pipeline.Core.Caching;

/// <summary>
/// A product store's category lists, per source, kept between reads (listing them reads every product: seconds at
/// 300,000). A list is read again when <see cref="Invalidate"/> was called since it was read (the store's own writes
/// call it after they commit), so a reader sees this process's writes; and once it is <c>maxAge</c> old, for writes this
/// process cannot see (another process on the same tables). A caller whose reads are slow for a while (a bulk load that
/// dropped the indexes) may accept a list made stale by writes for up to <c>minAge</c>.
/// </summary>
public sealed class CategoryCache(TimeProvider clock, TimeSpan minAge, TimeSpan maxAge)
{
    /// <summary>Sources kept at most (the source name comes from the caller: unknown names must not grow the cache).</summary>
    public const int MaxSources = 64;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>The store's products changed (call it after the write is committed).</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// The cached list for <paramref name="source"/> (null: every source), or <paramref name="read"/>'s answer, kept.
    /// <paramref name="tolerateWrites"/>: a list made stale by writes is still good until it is <c>minAge</c> old.
    /// </summary>
    public async Task<IReadOnlyList<string>> GetAsync(string? source, bool tolerateWrites,
        Func<CancellationToken, Task<IReadOnlyList<string>>> read, CancellationToken ct)
    {
        var key = source ?? "";
        // The generation is taken before the read: a write committed during the read marks the entry stale.
        var generation = Interlocked.Read(ref _generation);
        var now = clock.GetTimestamp();
        if (_entries.TryGetValue(key, out var entry))
        {
            var age = clock.GetElapsedTime(entry.ReadAt, now);
            if (age < maxAge && (entry.Generation == generation || (tolerateWrites && age < minAge))) return entry.Categories;
        }
        var categories = await read(ct).ConfigureAwait(false);
        if (_entries.Count < MaxSources || _entries.ContainsKey(key)) _entries[key] = new Entry(categories, generation, now);
        return categories;
    }

    private sealed record Entry(IReadOnlyList<string> Categories, long Generation, long ReadAt);
}
