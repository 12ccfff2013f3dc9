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
