using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The writer's connection, handed to each write. Use <see cref="Connection"/> for ordinary commands (leave their
/// Transaction unset: the writer owns the transaction) and <see cref="Statement"/> for hot paths: statements prepared
/// once per connection and bound by index.
/// </summary>
public sealed class SqliteWriteSession : IDisposable
{
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);
    private readonly SqliteStatement _begin, _commit, _rollback, _savepoint, _release, _rollbackTo;

    private readonly int _cacheMiB;

    internal SqliteWriteSession(SqliteConnection connection, int cacheMiB)
    {
        Connection = connection;
        _cacheMiB = cacheMiB;
        // No automatic checkpoint: it would run inside the commit that crosses its threshold. SqliteCheckpointer does it.
        Execute($"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=60000; PRAGMA cache_size=-{cacheMiB * 1024}; PRAGMA wal_autocheckpoint=0;");
        _begin = Statement("BEGIN IMMEDIATE");
        _commit = Statement("COMMIT");
        _rollback = Statement("ROLLBACK");
        _savepoint = Statement("SAVEPOINT w");
        _release = Statement("RELEASE w");
        _rollbackTo = Statement("ROLLBACK TO w");
    }

    public SqliteConnection Connection { get; }

    internal bool InTransaction => raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>Runs SQL (one or more statements); returns the rows changed by the last one.</summary>
    public int Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs <paramref name="work"/> (e.g. CREATE INDEX) with SQLite's sorter held to <paramref name="memoryMiB"/> per
    /// sorting thread (two threads): the sorter's memory follows the page cache's size, which is lent for the time.
    /// </summary>
    public void SortWithin(int memoryMiB, Action work)
    {
        Execute($"PRAGMA threads=2; PRAGMA cache_size=-{memoryMiB * 1024};");
        try
        {
            work();
        }
        finally
        {
            Execute($"PRAGMA threads=0; PRAGMA cache_size=-{_cacheMiB * 1024};");
        }
    }

    /// <summary>A statement prepared once on this connection, reset and with its bindings cleared.</summary>
    public SqliteStatement Statement(string sql)
    {
        if (_statements.TryGetValue(sql, out var statement))
        {
            statement.Reset();
            return statement;
        }
        statement = new SqliteStatement(Connection.Handle!, sql);
        _statements.Add(sql, statement);
        return statement;
    }

    /// <summary>Resets every statement a write left mid-way (a read not stepped to its end holds the transaction open).</summary>
    internal void ResetStatements()
    {
        foreach (var statement in _statements.Values) statement.Reset();
    }

    internal void Begin() => _begin.Run();
    internal void Commit() => _commit.Run();
    internal void Savepoint() => _savepoint.Run();
    internal void Release() => _release.Run();

    /// <summary>Set when the session's transaction can no longer be trusted; the writer then fails its group.</summary>
    internal bool Abandoned { get; set; }

    internal bool TryRollbackToSavepoint()
    {
        try
        {
            if (!InTransaction) return true;
            _rollbackTo.Run();
            _release.Run();
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    internal void TryRollback()
    {
        try
        {
            if (InTransaction) _rollback.Run();
        }
        catch (SqliteException)
        {
            // The connection is closed next; SQLite rolls back what is left.
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values) statement.Dispose();
        _statements.Clear();
        Connection.Dispose();
    }
}
