using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The single writer of one SQLite file: one loop that takes queued writes and commits them in groups (one
/// transaction for all writes waiting, each under a savepoint of its own). SQLite lets one connection write at a time;
/// a queue in front of one connection replaces SQLite's sleeping busy handler, and a group commit writes each dirtied
/// page once per group instead of once per write.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    /// <summary>A group ends after this many writes or this much time, so that callers see their commit promptly.</summary>
    private const int MaxGroupWrites = 512;
    private static readonly TimeSpan MaxGroupTime = TimeSpan.FromMilliseconds(100);

    private readonly Channel<IWrite> _queue = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<SqliteConnection> _open;
    private readonly int _cacheMiB;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly Task _loop;
    private SqliteWriteSession? _session;
    private long _commits, _writes, _busyTicks, _busyCpuTicks, _cacheHits, _cacheMisses;

    /// <summary>Transactions committed so far.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Writes run so far, committed or failed (cancelled ones never run).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Time the writer spent in transactions (running writes, committing, catching up the WAL), not waiting for writes.</summary>
    public TimeSpan Busy => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks));

    /// <summary>
    /// CPU time the writer's thread used in those transactions (Linux; zero elsewhere). Busy time beyond it is waiting:
    /// for a core taken by other threads, or for the disk.
    /// </summary>
    public TimeSpan BusyCpu => TimeSpan.FromTicks(Interlocked.Read(ref _busyCpuTicks));

    /// <summary>Page lookups of the writer's connection its cache answered, and those it had to read from the file or the WAL.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);
    public long CacheMisses => Interlocked.Read(ref _cacheMisses);

    /// <param name="checkpointer">Told of each commit; it keeps the WAL's copying and fsyncs off this writer's path (its owner disposes it).</param>
    public SqliteWriter(Func<SqliteConnection> open, int cacheMiB, SqliteCheckpointer checkpointer)
    {
        _open = open;
        _cacheMiB = cacheMiB;
        _checkpointer = checkpointer;
        // Idle, the loop holds no thread; busy, it works synchronously (SQLite calls do not yield).
        _loop = Task.Run(RunAsync);
    }

    public Task<T> WriteAsync<T>(Func<SqliteWriteSession, T> work, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return Task.FromCanceled<T>(ct);
        var write = new Write<T>(work, ct);
        if (!_queue.Writer.TryWrite(write)) throw new ObjectDisposedException(nameof(SqliteDatabase), "The database is closed.");
        return write.Task;
    }

    private async Task RunAsync()
    {
        var group = new List<IWrite>(MaxGroupWrites);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!_queue.Reader.TryRead(out var first)) continue;
            if (first.IsCancelled)
            {
                first.Cancel();
                continue;
            }
            SqliteWriteSession session;
            try
            {
                session = _session ??= new SqliteWriteSession(_open(), _cacheMiB);
                session.Begin();
            }
            catch (Exception ex)
            {
                first.Fail(ex);
                CloseSession();
                continue;
            }
            group.Clear();
            var started = Stopwatch.GetTimestamp();
            var startedCpu = CpuTime.ThreadTicks();
            Exception? lost = null;
            for (var write = first; ;)
            {
                if (write.IsCancelled) write.Cancel();
                else
                {
                    group.Add(write);
                    write.Run(session);
                    // A failure SQLite answers by rolling back the whole transaction takes every write of the group with it.
                    if (write.Error is not null && (session.Abandoned || !session.InTransaction))
                    {
                        lost = write.Error;
                        break;
                    }
                }
                if (group.Count >= MaxGroupWrites || Stopwatch.GetElapsedTime(started) >= MaxGroupTime || !_queue.Reader.TryRead(out write!)) break;
            }
            if (lost is null)
            {
                try
                {
                    session.Commit();
                    Interlocked.Increment(ref _commits);
                }
                catch (Exception ex)
                {
                    lost = ex;
                    session.TryRollback();
                }
            }
            Interlocked.Add(ref _writes, group.Count);
            if (lost is not null)
            {
                foreach (var write in group)
                    write.Fail(write.Error ?? new SqliteWriteLostException("The write was rolled back with its group's transaction.", lost));
                CloseSession();
                CountBusy(ref started, ref startedCpu);
                continue;
            }
            // Counted before the callers are released, so that a caller sees its own write in the counters.
            CountBusy(ref started, ref startedCpu);
            foreach (var write in group) write.Complete();
            AfterCommit(session);
            CountBusy(ref started, ref startedCpu);
        }
        CloseSession();
    }

    /// <summary>
    /// After the callers are released: the checkpointer's turn (a catch-up, every few thousand pages, waits for a
    /// checkpoint's fsyncs) and the counters. Nothing here may end the loop, or every later write would wait forever.
    /// </summary>
    private void AfterCommit(SqliteWriteSession session)
    {
        try
        {
            var handle = session.Connection.Handle!;
            _checkpointer.Committed(handle);
            if (raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_HIT, out var hits, out _, 1) == raw.SQLITE_OK) Interlocked.Add(ref _cacheHits, hits);
            if (raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_MISS, out var misses, out _, 1) == raw.SQLITE_OK) Interlocked.Add(ref _cacheMisses, misses);
        }
        catch (Exception ex)
        {
            _checkpointer.Fail(ex);
        }
    }

    /// <summary>
    /// Adds the time since <paramref name="started"/> (wall) and <paramref name="startedCpu"/> (the thread's CPU) to the
    /// busy counters and restarts both. A group runs synchronously on one thread from its start (no await in between), so
    /// the thread's CPU clock is the group's own.
    /// </summary>
    private void CountBusy(ref long started, ref long startedCpu)
    {
        var (now, nowCpu) = (Stopwatch.GetTimestamp(), CpuTime.ThreadTicks());
        Interlocked.Add(ref _busyTicks, now - started);
        Interlocked.Add(ref _busyCpuTicks, nowCpu - startedCpu);
        (started, startedCpu) = (now, nowCpu);
    }

    private void CloseSession()
    {
        _session?.Dispose();
        _session = null;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private interface IWrite
    {
        bool IsCancelled { get; }
        Exception? Error { get; }
        void Run(SqliteWriteSession session);
        void Complete();
        void Fail(Exception ex);
        void Cancel();
    }

    private sealed class Write<T>(Func<SqliteWriteSession, T> work, CancellationToken ct) : IWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;
        public bool IsCancelled => ct.IsCancellationRequested;
        public Exception? Error { get; private set; }

        public void Run(SqliteWriteSession session)
        {
            var opened = false;
            try
            {
                session.Savepoint();
                opened = true;
                _result = work(session);
                session.ResetStatements();
                session.Release();
            }
            catch (Exception ex)
            {
                Error = ex;
                session.ResetStatements();
                // If even the rollback fails, the transaction is in doubt: the group ends and the session is reopened.
                if (opened && !session.TryRollbackToSavepoint()) session.Abandoned = true;
            }
        }

        public void Complete()
        {
            if (Error is not null) _done.TrySetException(Error);
            else _done.TrySetResult(_result!);
        }

        public void Fail(Exception ex) => _done.TrySetException(ex);

        public void Cancel() => _done.TrySetCanceled(ct);
    }
}

/// <summary>A write that committed nothing because another write of its group made SQLite roll the transaction back.</summary>
public sealed class SqliteWriteLostException(string message, Exception inner) : Exception(message, inner);

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
