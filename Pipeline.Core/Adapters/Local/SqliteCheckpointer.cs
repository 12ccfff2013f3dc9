using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// Checkpoints a WAL-mode SQLite file on a connection and a thread of its own, so that the single writer does not copy
/// pages back into the database or wait for a checkpoint's two fsyncs itself (SQLite's automatic checkpoint runs inside
/// the commit that crosses its threshold; docs/performance.md, sixth round).
/// <para>
/// The writer reports the pages each commit appended to the WAL. Every <see cref="PassFrames"/> pages, a PASSIVE pass
/// copies what the readers allow. Copying alone does not bound the WAL: SQLite starts it over only when a write
/// transaction begins with every frame copied, which a pass beside a writer that never pauses does not see. So every
/// <see cref="RestartFrames"/> pages the writer catches up itself, between two transactions: it copies what the last
/// pass left (a short tail, hence short fsyncs), and its next transaction starts the WAL from the beginning. A reader
/// holding an old snapshot can keep both from finishing, as it could SQLite's own checkpoint; the writer then tries
/// again after <see cref="PassFrames"/> more pages.
/// </para>
/// </summary>
internal sealed class SqliteCheckpointer : IAsyncDisposable
{
    /// <summary>Pages appended between two background passes (4 KiB each: 4 MiB).</summary>
    public const int DefaultPassFrames = 1_000;

    /// <summary>Pages appended before the writer makes the WAL start over (40 MiB; SQLite's own default is 1,000).</summary>
    public const int DefaultRestartFrames = 10_000;

    private readonly Func<SqliteConnection> _open;
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    /// <summary>One checkpoint at a time: the writer's catch-up waits for a pass in progress rather than fail busy.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Task _loop;
    private long _sincePass, _sinceRestart, _passes, _catchUps, _restarts, _failures;
    private volatile Exception? _lastError;
    private TaskCompletionSource _passed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SqliteCheckpointer(Func<SqliteConnection> open, int passFrames = DefaultPassFrames, int restartFrames = DefaultRestartFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passFrames);
        ArgumentOutOfRangeException.ThrowIfLessThan(restartFrames, passFrames);
        _open = open;
        PassFrames = passFrames;
        RestartFrames = restartFrames;
        _loop = Task.Run(RunAsync);
    }

    public int PassFrames { get; }
    public int RestartFrames { get; }

    /// <summary>Background passes run so far.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Catch-ups the writer ran, and how many of them left every frame copied (the WAL then starts over).</summary>
    public long CatchUps => Interlocked.Read(ref _catchUps);
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Checkpoints that failed (the next one copies what they did not); the last error, if any.</summary>
    public long Failures => Interlocked.Read(ref _failures);
    public Exception? LastError => _lastError;

    /// <summary>Completes when the next background pass (or the one under way) has ended, whatever its outcome.</summary>
    internal Task NextPassAsync() => Volatile.Read(ref _passed).Task;

    /// <summary>
    /// Called by the writer on its own thread after each commit, outside any transaction. Counts the pages the commit
    /// wrote, wakes the background pass every <see cref="PassFrames"/> and catches up every <see cref="RestartFrames"/>.
    /// </summary>
    public void Committed(sqlite3 writer)
    {
        // Dirty pages written by the connection since the last call: in WAL mode, one frame each.
        if (raw.sqlite3_db_status(writer, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1) != raw.SQLITE_OK) written = PassFrames;
        _sincePass += written;
        _sinceRestart += written;
        if (_sincePass >= PassFrames)
        {
            _sincePass = 0;
            _nudges.Writer.TryWrite(true);
        }
        if (_sinceRestart < RestartFrames) return;
        _gate.Wait();
        try
        {
            Interlocked.Increment(ref _catchUps);
            if (Checkpoint(writer) is var (log, copied) && copied == log)
            {
                _sinceRestart = 0;
                Interlocked.Increment(ref _restarts);
            }
            else _sinceRestart = RestartFrames - PassFrames;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync()
    {
        SqliteConnection? connection = null;
        try
        {
            while (await _nudges.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                _nudges.Reader.TryRead(out _);
                await _gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    connection ??= OpenOwnConnection();
                    Checkpoint(connection.Handle!);
                    Interlocked.Increment(ref _passes);
                }
                catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
                {
                    // The writer's catch-up and the next pass copy what this one did not.
                    Fail(ex);
                    connection?.Dispose();
                    connection = null;
                }
                finally
                {
                    _gate.Release();
                    Interlocked.Exchange(ref _passed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private SqliteConnection OpenOwnConnection()
    {
        var connection = _open();
        using var command = connection.CreateCommand();
        // NORMAL, as the writer: a checkpoint syncs the WAL before it copies and the database after.
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=60000;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A PASSIVE checkpoint: the WAL's frames and how many of them are now copied, or null when it failed.</summary>
    private (int Log, int Copied)? Checkpoint(sqlite3 db)
    {
        var rc = raw.sqlite3_wal_checkpoint_v2(db, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
        if (rc == raw.SQLITE_OK) return (log, copied);
        // BUSY: another process's checkpoint holds the file; anything else is worth keeping for diagnosis.
        if (rc != raw.SQLITE_BUSY) Fail(new SqliteException($"WAL checkpoint failed: {raw.sqlite3_errmsg(db).utf8_to_string()}", rc));
        return null;
    }

    private void Fail(Exception ex)
    {
        _lastError = ex;
        Interlocked.Increment(ref _failures);
    }

    public async ValueTask DisposeAsync()
    {
        _nudges.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _gate.Dispose();
    }
}
