using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;

namespace Pipeline.Core.Trust;

/// <summary>
/// Each source's freshness: fresh while its last run that ended succeeded or partiallySucceeded finished within its limit
/// (<c>Pipeline:Sources:&lt;Name&gt;:FreshnessMaxAge</c>; else twice the interval of the schedule that ingests it; else
/// none, and a source that succeeded once stays fresh), <c>never</c> before any such run.
/// </summary>
public sealed class SourceFreshnessService(
    IRunStore runs, SourceRegistry sources, IOptions<FreshnessOptions> limits, ISourceSchedules schedules, TimeProvider clock)
{
    /// <summary>The limit that applies to <paramref name="source"/>, or null.</summary>
    public TimeSpan? MaxAgeOf(string source) =>
        limits.Value.MaxAge.TryGetValue(source, out var configured) ? configured
        : schedules.IntervalOf(source) is { } interval ? interval * 2
        : null;

    /// <summary>Every known source, by name.</summary>
    public async Task<IReadOnlyList<SourceFreshness>> ListAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var names = sources.Names.Order(StringComparer.Ordinal).ToList();
        var all = await Task.WhenAll(names.Select(async name => SourceFreshness.Evaluate(
            name, await LastSuccessAsync(name, ct).ConfigureAwait(false), MaxAgeOf(name), now))).ConfigureAwait(false);
        return all;
    }

    /// <summary>The source's newest run that ended succeeded or partiallySucceeded (by its end), or null.</summary>
    public async Task<IngestionRun?> LastSuccessAsync(string source, CancellationToken ct)
    {
        var succeeded = runs.QueryRunsAsync(new RunQuery { Source = source, Status = RunStatus.Succeeded, Limit = 1 }, ct);
        var partially = runs.QueryRunsAsync(new RunQuery { Source = source, Status = RunStatus.PartiallySucceeded, Limit = 1 }, ct);
        return (await succeeded.ConfigureAwait(false)).Items.Concat((await partially.ConfigureAwait(false)).Items)
            .MaxBy(r => r.FinishedAt ?? r.CreatedAt);
    }
}
