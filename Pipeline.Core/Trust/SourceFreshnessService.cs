using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;

namespace Pipeline.Core.Trust;

/// <summary>
/// Each source's freshness: fresh while its last run that ended succeeded or partiallySucceeded finished within its limit
/// (<c>Pipeline:Sources:&lt;Name&gt;:FreshnessMaxAge</c>; else twice the interval of the schedule that ingests it; else
/// none, and a source that succeeded once stays fresh), <c>never</c> before any such run. Each source's last success is
/// read at most every <see cref="MemoTime"/> for the pages and the API (however many are open); the monitor reads afresh.
/// </summary>
public sealed class SourceFreshnessService(
    IRunStore runs, SourceRegistry sources, IOptions<FreshnessOptions> limits, ISourceSchedules schedules, TimeProvider clock,
    SourceFreshnessService.Memo memo)
{
    public static readonly TimeSpan MemoTime = TimeSpan.FromSeconds(5);

    /// <summary>The last successes read lately, per source (one per process).</summary>
    public sealed class Memo
    {
        internal ConcurrentDictionary<string, (DateTimeOffset ReadAt, IngestionRun? Run)> Entries { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The limit that applies to <paramref name="source"/>, or null.</summary>
    public TimeSpan? MaxAgeOf(string source) =>
        limits.Value.MaxAge.TryGetValue(source, out var configured) ? configured
        : schedules.IntervalOf(source) is { } interval ? interval * 2
        : null;

    /// <summary>Every known source, by name; <paramref name="fresh"/> reads the store rather than a recent read.</summary>
    public async Task<IReadOnlyList<SourceFreshness>> ListAsync(CancellationToken ct, bool fresh = false)
    {
        var now = clock.GetUtcNow();
        var names = sources.Names.Order(StringComparer.Ordinal).ToList();
        return await Task.WhenAll(names.Select(async name => SourceFreshness.Evaluate(
            name, await LastSuccessAsync(name, ct, fresh).ConfigureAwait(false), MaxAgeOf(name), now))).ConfigureAwait(false);
    }

    /// <summary>The source's newest run that ended succeeded or partiallySucceeded (by its end), or null.</summary>
    public async Task<IngestionRun?> LastSuccessAsync(string source, CancellationToken ct, bool fresh = true)
    {
        var now = clock.GetUtcNow();
        if (!fresh && memo.Entries.TryGetValue(source, out var known) && now - known.ReadAt < MemoTime) return known.Run;
        var succeeded = runs.QueryRunsAsync(new RunQuery { Source = source, Status = RunStatus.Succeeded, Limit = 1 }, ct);
        var partially = runs.QueryRunsAsync(new RunQuery { Source = source, Status = RunStatus.PartiallySucceeded, Limit = 1 }, ct);
        var last = (await succeeded.ConfigureAwait(false)).Items.Concat((await partially.ConfigureAwait(false)).Items)
            .MaxBy(r => r.FinishedAt ?? r.CreatedAt);
        memo.Entries[source] = (now, last);
        return last;
    }
}
