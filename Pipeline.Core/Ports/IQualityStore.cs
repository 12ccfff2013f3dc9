using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>Data check results: every result is kept (history); the latest per check and source is the current state.</summary>
public interface IQualityStore
{
    /// <summary>Adds results. Idempotent per (check, source, checkedAt): adding the same result again adds nothing.</summary>
    Task RecordChecksAsync(IReadOnlyList<CheckResult> results, CancellationToken ct);

    /// <summary>The latest result of each (check, source), ordered by source then check.</summary>
    Task<IReadOnlyList<CheckResult>> LatestChecksAsync(CancellationToken ct);

    /// <summary>Past results, newest first, optionally of one check and/or one source; at most <paramref name="limit"/> (1-1000).</summary>
    Task<IReadOnlyList<CheckResult>> CheckHistoryAsync(string? check, string? source, int limit, CancellationToken ct);

    /// <summary>Deletes results checked before <paramref name="before"/>, never the latest of a (check, source); returns how many.</summary>
    Task<int> PruneChecksAsync(DateTimeOffset before, CancellationToken ct);
}
