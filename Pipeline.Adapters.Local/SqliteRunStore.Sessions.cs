using Microsoft.Data.Sqlite;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The dashboard's server-side sessions: one row each, found by id (and its user), listed per user by the user index for
/// "sign out everywhere" and pruning. Every write is one statement.
/// </summary>
public sealed partial class SqliteRunStore : ISessionStore
{
    private const string SessionsSchema = """
        CREATE TABLE IF NOT EXISTS dashboard_sessions (
            id TEXT PRIMARY KEY, user_id TEXT NOT NULL, user_name TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
            revoked_at INTEGER) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS dashboard_sessions_user ON dashboard_sessions (user_id);
        """;

    public Task<bool> CreateSessionAsync(UserSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(session.Id);
        ArgumentException.ThrowIfNullOrEmpty(session.UserId);
        return db.WriteAsync(writer =>
        {
            using var command = writer.Connection.CreateCommand();
            command.CommandText = """
                INSERT INTO dashboard_sessions (id, user_id, user_name, created_at, expires_at, revoked_at)
                VALUES ($id, $user, $name, $created, $expires, $revoked)
                ON CONFLICT (id) DO NOTHING
                """;
            command.With("$id", session.Id).With("$user", session.UserId).With("$name", session.UserName)
                .With("$created", session.CreatedAt.ToUnixMs()).With("$expires", session.ExpiresAt.ToUnixMs())
                .With("$revoked", session.RevokedAt?.ToUnixMs());
            return command.ExecuteNonQuery() == 1;
        }, ct);
    }

    public async Task<UserSession?> GetSessionAsync(string userId, string id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(id)) return null;
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, user_id, user_name, created_at, expires_at, revoked_at FROM dashboard_sessions WHERE id = $id AND user_id = $user
            """;
        command.With("$id", id).With("$user", userId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadSession(reader) : null;
    }

    public async Task<bool> RevokeSessionAsync(string userId, string id, DateTimeOffset at, CancellationToken ct) =>
        await RevokeAsync("id = $id AND user_id = $user", command => command.With("$id", id).With("$user", userId), at, ct)
            .ConfigureAwait(false) == 1;

    public Task<int> RevokeUserSessionsAsync(string userId, DateTimeOffset at, CancellationToken ct) =>
        RevokeAsync("user_id = $user", command => command.With("$user", userId), at, ct);

    public Task<int> PruneUserSessionsAsync(string userId, DateTimeOffset before, CancellationToken ct) => db.WriteAsync(writer =>
    {
        using var command = writer.Connection.CreateCommand();
        command.CommandText = """
            DELETE FROM dashboard_sessions WHERE user_id = $user AND (revoked_at < $before OR expires_at < $before)
            """;
        command.With("$user", userId).With("$before", before.ToUnixMs());
        return command.ExecuteNonQuery();
    }, ct);

    private Task<int> RevokeAsync(string condition, Action<SqliteCommand> bind, DateTimeOffset at, CancellationToken ct) =>
        db.WriteAsync(writer =>
        {
            using var command = writer.Connection.CreateCommand();
            command.CommandText = $"UPDATE dashboard_sessions SET revoked_at = $at WHERE {condition} AND revoked_at IS NULL";
            command.With("$at", at.ToUnixMs());
            bind(command);
            return command.ExecuteNonQuery();
        }, ct);

    private static UserSession ReadSession(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        UserId = r.GetString(1),
        UserName = r.GetNullableString(2),
        CreatedAt = SqliteExtensions.FromUnixMs(r.GetInt64(3)),
        ExpiresAt = SqliteExtensions.FromUnixMs(r.GetInt64(4)),
        RevokedAt = r.GetNullableTime(5),
    };
}
