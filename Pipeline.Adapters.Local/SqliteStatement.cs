using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipeline.Adapters.Local;

/// <summary>A prepared statement on the writer's connection, bound by 1-based index (SQLite's C API, no per-call parsing).</summary>
public sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    internal SqliteStatement(sqlite3 db, string sql)
    {
        _db = db;
        Check(raw.sqlite3_prepare_v2(db, sql, out _stmt));
    }

    public SqliteStatement Text(int index, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text(_stmt, index, value));
        return this;
    }

    /// <summary>
    /// Binds value <paramref name="field"/> of <paramref name="values"/> (null binds NULL): bytes encoded beforehand,
    /// copied by SQLite as they are.
    /// </summary>
    public SqliteStatement Text(int index, Utf8Values values, int field)
    {
        var bytes = values[field];
        if (values.IsNull(field)) Check(raw.sqlite3_bind_null(_stmt, index));
        else if (bytes.IsEmpty) Check(raw.sqlite3_bind_text(_stmt, index, "")); // an empty span would bind NULL
        else Check(raw.sqlite3_bind_text(_stmt, index, bytes));
        return this;
    }

    public SqliteStatement Int(int index, long? value)
    {
        Check(value is { } v ? raw.sqlite3_bind_int64(_stmt, index, v) : raw.sqlite3_bind_null(_stmt, index));
        return this;
    }

    public SqliteStatement Blob(int index, ReadOnlySpan<byte> value)
    {
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_stmt, index, 0) : raw.sqlite3_bind_blob(_stmt, index, value));
        return this;
    }

    public SqliteStatement Real(int index, double value)
    {
        Check(raw.sqlite3_bind_double(_stmt, index, value));
        return this;
    }

    /// <summary>Steps once: true when a row is ready to read, false when the statement is done.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_stmt);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc == raw.SQLITE_DONE) return false;
        raw.sqlite3_reset(_stmt);
        SqliteException.ThrowExceptionForRC(rc, _db);
        return false;
    }

    /// <summary>Runs to the end; returns the rows it changed.</summary>
    public int Run()
    {
        while (Step())
        {
        }
        var changes = raw.sqlite3_changes(_db);
        raw.sqlite3_reset(_stmt);
        return changes;
    }

    /// <summary>Steps once and returns the first column as an integer (null for no row), leaving the statement reset.</summary>
    public long? ScalarInt64()
    {
        long? value = Step() && !IsNull(0) ? GetInt64(0) : null;
        raw.sqlite3_reset(_stmt);
        return value;
    }

    /// <summary>Ends a read early: the statement no longer holds its table.</summary>
    public void Done() => raw.sqlite3_reset(_stmt);

    public bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;
    public string? GetText(int column) => IsNull(column) ? null : raw.sqlite3_column_text(_stmt, column).utf8_to_string();

    /// <summary>True when column <paramref name="column"/> is text equal to <paramref name="utf8"/> (no string is made).</summary>
    public bool TextEquals(int column, ReadOnlySpan<byte> utf8) =>
        raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_TEXT && raw.sqlite3_column_blob(_stmt, column).SequenceEqual(utf8);

    public long GetInt64(int column) => raw.sqlite3_column_int64(_stmt, column);

    internal void Reset()
    {
        raw.sqlite3_reset(_stmt);
        raw.sqlite3_clear_bindings(_stmt);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _stmt.Dispose();
}
