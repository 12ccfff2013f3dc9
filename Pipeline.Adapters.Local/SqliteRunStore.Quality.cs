using Microsoft.Data.Sqlite;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// Data check results: one row per (check, source, checkedAt) in <c>quality_checks</c>, never updated, and a copy of the
/// latest per (check, source) in <c>quality_latest</c>, replaced in the same transaction when a newer result is recorded
/// (pages poll the latest every few seconds: one small table read, not a search of the history). History across checks
/// or of one source is read from the newest-first indexes.
/// </summary>
public sealed partial class SqliteRunStore : IQualityStore
{
    private const string QualitySchema = """
        CREATE TABLE IF NOT EXISTS quality_checks (
            check_name TEXT NOT NULL, source TEXT NOT NULL, checked_at INTEGER NOT NULL, status TEXT NOT NULL, observed TEXT NOT NULL,
            expected TEXT NOT NULL, refresh_id TEXT, PRIMARY KEY (check_name, source, checked_at)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS quality_checks_checked ON quality_checks (checked_at DESC);
        CREATE INDEX IF NOT EXISTS quality_checks_source ON quality_checks (source, checked_at DESC);
        CREATE TABLE IF NOT EXISTS quality_latest (
            check_name TEXT NOT NULL, source TEXT NOT NULL, checked_at INTEGER NOT NULL, status TEXT NOT NULL, observed TEXT NOT NULL,
            expected TEXT NOT NULL, refresh_id TEXT, PRIMARY KEY (check_name, source)) WITHOUT ROWID;
        """;

    private const string CheckColumns = "check_name, source, status, observed, expected, checked_at, refresh_id";

    /// <summary>
    /// Stores written before <c>quality_latest</c> existed get it filled from the history, once (while it is empty and the
    /// history is not).
    /// </summary>
    private static void MigrateQuality(SqliteWriteSession session) => session.Execute($"""
        INSERT INTO quality_latest ({CheckColumns})
        SELECT {CheckColumns} FROM quality_checks q
        WHERE NOT EXISTS (SELECT 1 FROM quality_latest)
          AND checked_at = (SELECT max(checked_at) FROM quality_checks WHERE check_name = q.check_name AND source = q.source)
        """);

    private static CheckResult ReadCheck(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), ParseCheckStatus(r.GetString(2)), r.GetString(3), r.GetString(4),
        SqliteExtensions.FromUnixMs(r.GetInt64(5)), r.GetNullableString(6));

    public Task RecordChecksAsync(IReadOnlyList<CheckResult> results, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0) return Task.CompletedTask;
        return db.WriteAsync(session =>
        {
            foreach (var result in results)
            {
                using var command = session.Connection.CreateCommand();
                command.CommandText = $"""
                    INSERT INTO quality_checks ({CheckColumns}) VALUES ($check, $source, $status, $observed, $expected, $checked, $refresh)
                    ON CONFLICT (check_name, source, checked_at) DO NOTHING
                    """;
                command.With("$check", result.Check).With("$source", result.Source).With("$status", ToWire(result.Status))
                    .With("$observed", result.Observed).With("$expected", result.Expected)
                    .With("$checked", result.CheckedAt.ToUnixMs()).With("$refresh", result.RefreshId);
                if (command.ExecuteNonQuery() == 0) continue;
                // A result recorded late (older than the latest) stays in the history only.
                command.CommandText = $"""
                    INSERT INTO quality_latest ({CheckColumns}) VALUES ($check, $source, $status, $observed, $expected, $checked, $refresh)
                    ON CONFLICT (check_name, source) DO UPDATE SET status = excluded.status, observed = excluded.observed,
                        expected = excluded.expected, checked_at = excluded.checked_at, refresh_id = excluded.refresh_id
                    WHERE excluded.checked_at > quality_latest.checked_at
                    """;
                command.ExecuteNonQuery();
            }
        }, ct);
    }

    public async Task<IReadOnlyList<CheckResult>> LatestChecksAsync(CancellationToken ct)
    {
        var results = new List<CheckResult>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {CheckColumns} FROM quality_latest ORDER BY source, check_name";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) results.Add(ReadCheck(reader));
        return results;
    }

    public async Task<IReadOnlyList<CheckResult>> CheckHistoryAsync(string? check, string? source, int limit, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Ties in time are ordered as the DynamoDB store's index orders them (check, then source, descending).
        command.CommandText = $"""
            SELECT {CheckColumns} FROM quality_checks
            WHERE ($check IS NULL OR check_name = $check) AND ($source IS NULL OR source = $source)
            ORDER BY checked_at DESC, check_name DESC, source DESC LIMIT $limit
            """;
        command.With("$check", check).With("$source", source).With("$limit", Math.Clamp(limit, 1, 1000));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) results.Add(ReadCheck(reader));
        return results;
    }

    /// <summary>One statement: the results before <paramref name="before"/> (by the newest-first index) that are not a latest one.</summary>
    public Task<int> PruneChecksAsync(DateTimeOffset before, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = """
            DELETE FROM quality_checks
            WHERE checked_at < $before
              AND NOT EXISTS (SELECT 1 FROM quality_latest l
                              WHERE l.check_name = quality_checks.check_name AND l.source = quality_checks.source
                                AND l.checked_at = quality_checks.checked_at)
            """;
        command.With("$before", before.ToUnixMs());
        return command.ExecuteNonQuery();
    }, ct);

    private static string ToWire(CheckStatus status) => status switch
    {
        CheckStatus.Passed => "passed",
        CheckStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static CheckStatus ParseCheckStatus(string value) => value switch
    {
        "passed" => CheckStatus.Passed,
        "failed" => CheckStatus.Failed,
        _ => throw new FormatException($"Unknown check status '{value}'."),
    };
}
