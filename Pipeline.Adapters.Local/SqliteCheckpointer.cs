using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Pipeline.Adapters.Local;

/// <summary>
/// Checkpoints a WAL-mode SQLite file on a connection and a thread of its own, so that the single writer does not copy
/// pages back into the database or wait for a checkpoint's two fsyncs itself (SQLite's automatic checkpoint runs inside
/// the commit that crosses its threshold; docs/performance.md).
/// <para>
/// The writer reports the pages each commit appended to the WAL. Every <see cref="PassFrames"/> pages, a PASSIVE pass
/// copies what the readers allow. Copying alone does not bound the WAL: SQLite starts it over only when a write
/// transaction begins with every frame copied and no reader left on the WAL, which a pass beside a writer that never
/// pauses does not see. So when the WAL holds <see cref="RestartFrames"/> pages the writer catches up itself, between
/// two transactions: it copies what the last pass left, and its next transaction can start the WAL from the
/// beginning. Whether it did, the next background pass tells (the WAL is then smaller than it was; without a report,
/// the writer checks itself 2 x <see cref="PassFrames"/> pages later); if a reader kept it from happening (a snapshot
/// older than the copy, or one still open on the WAL), the writer tries again, and so on until it has.
/// </para>
/// </summary>
internal sealed class SqliteCheckpointer : IAsyncDisposable
{
    /// <summary>Pages appended between two background passes (4 KiB each: 4 MiB).</summary>
    public const int DefaultPassFrames = 1_000;

    /// <summary>Pages appended before the writer makes the WAL start over (40 MiB; SQLite's own default is 1,000).</summary>
    public const int DefaultRestartFrames = 10_000;

    private readonly Func<SqliteConnection> _open;
    private readonly ILogger? _logger;
    private readonly string _name;
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    /// <summary>One checkpoint at a time: the writer's catch-up waits for a pass in progress rather than fail busy.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Task _loop;
    private long _passes, _catchUps, _restarts, _failures;
    // Written by the background pass: the WAL's size it last saw, then the number of such reports.
    private long _reportedLog, _reports;
    // The writer's thread only: pages since the last nudge, the WAL's size as last known plus pages since, its size at
    // the last catch-up, and whether that catch-up is waiting to be confirmed by a smaller WAL.
    private long _sincePass, _walFrames, _walAtCatchUp, _reportsAtCatchUp;
    private bool _confirming;
    private volatile Exception? _lastError;
    private volatile bool _failing;
    private TaskCompletionSource _passed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="background">False runs no background pass (tests of the writer's side alone).</param>
    /// <param name="logger">Told when checkpoints start failing and when they succeed again.</param>
    /// <param name="name">The database in those log lines (its path).</param>
    public SqliteCheckpointer(Func<SqliteConnection> open, int passFrames = DefaultPassFrames, int restartFrames = DefaultRestartFrames,
        bool background = true, ILogger? logger = null, string name = "SQLite")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passFrames);
        ArgumentOutOfRangeException.ThrowIfLessThan(restartFrames, passFrames);
        _open = open;
        _logger = logger;
        _name = name;
        PassFrames = passFrames;
        RestartFrames = restartFrames;
        _loop = background ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    public int PassFrames { get; }
    public int RestartFrames { get; }

    /// <summary>Background passes run so far.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Catch-ups the writer ran, and the times the WAL was seen to have started over after one.</summary>
    public long CatchUps => Interlocked.Read(ref _catchUps);
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Checkpoints that failed (the next one copies what they did not); the last error, if any.</summary>
    public long Failures => Interlocked.Read(ref _failures);
    public Exception? LastError => _lastError;

    /// <summary>True from a failure until the next checkpoint that succeeds: meanwhile the WAL only grows.</summary>
    public bool Failing => _failing;

    /// <summary>All of the above at once.</summary>
    public SqliteCheckpointStats Stats => new(Passes, CatchUps, Restarts, Failures, LastError?.Message, Failing);

    /// <summary>Asks for a background pass (one waiting already is enough).</summary>
    internal void Nudge() => _nudges.Writer.TryWrite(true);

    /// <summary>Completes when the next background pass (or the one under way) has ended, whatever its outcome.</summary>
    internal Task NextPassAsync() => Volatile.Read(ref _passed).Task;

    /// <summary>
    /// Called by the writer on its own thread after each commit, outside any transaction. Counts the pages the commit
    /// wrote, wakes the background pass every <see cref="PassFrames"/> and catches up as described above.
    /// </summary>
    public void Committed(sqlite3 writer)
    {
        // Dirty pages written by the connection since the last call: in WAL mode, one frame each.
        if (raw.sqlite3_db_status(writer, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1) != raw.SQLITE_OK) written = PassFrames;
        _sincePass += written;
        _walFrames += written;
        if (_sincePass >= PassFrames)
        {
            _sincePass = 0;
            Nudge();
        }
        if (!_confirming)
        {
            if (_walFrames >= RestartFrames) CatchUp(writer);
            return;
        }
        // The background pass that follows the catch-up tells whether the WAL started over: smaller than it was then
        // (a WAL only shrinks by starting over), or larger (a reader kept it). Equal says nothing yet.
        if (Volatile.Read(ref _reports) > _reportsAtCatchUp)
        {
            var log = Volatile.Read(ref _reportedLog);
            if (log < _walAtCatchUp)
            {
                Interlocked.Increment(ref _restarts);
                _confirming = false;
                _walFrames = Math.Max(log, _walFrames - _walAtCatchUp);
                return;
            }
            if (log > _walAtCatchUp)
            {
                CatchUp(writer);
                return;
            }
        }
        // No verdict from the background (slow, failing): the writer checks itself.
        if (_walFrames - _walAtCatchUp >= 2 * PassFrames) CatchUp(writer);
    }

    private void CatchUp(sqlite3 writer)
    {
        _gate.Wait();
        try
        {
            Interlocked.Increment(ref _catchUps);
            var result = Checkpoint(writer);
            // A WAL only shrinks by starting over: smaller than at the last catch-up means it did.
            if (_confirming && result is var (log, _) && log < _walAtCatchUp)
            {
                Interlocked.Increment(ref _restarts);
                _confirming = false;
                _walFrames = log;
                return;
            }
            // This catch-up is the (next) try; the passes after it confirm it, or it is tried again.
            _walFrames = _walAtCatchUp = result?.Log ?? _walFrames;
            _reportsAtCatchUp = Volatile.Read(ref _reports);
            _confirming = true;
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
                try
                {
                    // Opened outside the gate: opening may wait on SQLite's locks, and the writer's catch-up waits on the gate.
                    connection ??= OpenOwnConnection();
                    await _gate.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        if (Checkpoint(connection.Handle!) is var (log, _))
                        {
                            Volatile.Write(ref _reportedLog, log);
                            Interlocked.Increment(ref _reports);
                        }
                        Interlocked.Increment(ref _passes);
                    }
                    finally
                    {
                        _gate.Release();
                    }
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
                    Interlocked.Exchange(ref _passed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
                }
            }
        }
        finally
        {
            connection?.Dispose();
            Volatile.Read(ref _passed).TrySetResult();
        }
    }

    private SqliteConnection OpenOwnConnection()
    {
        var connection = _open();
        using var command = connection.CreateCommand();
        // NORMAL, as the writer: a checkpoint syncs the WAL before it copies and the database after. (Setting it also
        // reads the schema, which opens the connection's view of the WAL.)
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=60000;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>A PASSIVE checkpoint: the WAL's frames and how many of them are now copied, or null when it failed.</summary>
    private (int Log, int Copied)? Checkpoint(sqlite3 db)
    {
        var rc = raw.sqlite3_wal_checkpoint_v2(db, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
        if (rc == raw.SQLITE_OK)
        {
            if (_failing)
            {
                _failing = false;
                _logger?.LogInformation("WAL checkpoints of {Database} succeed again after {Failures} failures", _name, Failures);
            }
            return (log, copied);
        }
        // BUSY: another process's checkpoint holds the file; anything else is worth keeping for diagnosis.
        if (rc != raw.SQLITE_BUSY) Fail(new SqliteException($"WAL checkpoint failed: {raw.sqlite3_errmsg(db).utf8_to_string()}", rc));
        return null;
    }

    /// <summary>Counts a failure of a checkpoint, or of the writer's bookkeeping around one.</summary>
    internal void Fail(Exception ex)
    {
        _lastError = ex;
        Interlocked.Increment(ref _failures);
        // Once per spell of failures: the next pass or catch-up would repeat it every few thousand pages.
        if (_failing) return;
        _failing = true;
        _logger?.LogWarning(ex, "WAL checkpoint of {Database} failed; the WAL grows until one succeeds", _name);
    }

    public async ValueTask DisposeAsync()
    {
        _nudges.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _gate.Dispose();
    }
}
