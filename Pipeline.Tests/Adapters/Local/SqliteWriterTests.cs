using Microsoft.Data.Sqlite;
using Pipeline.Adapters.Local;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The single writer of a SQLite file: queued writes commit together, each under its own savepoint, so one failing
/// write loses only its own changes. A gate write holds the writer while the others queue behind it.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private SqliteDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir.Path, "writer.db"));
        await _db.ExecuteAsync("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Holds the writer inside a write until released, so that the writes queued meanwhile form one group.</summary>
    private (Task Gate, ManualResetEventSlim Release) HoldWriter()
    {
        var entered = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var gate = _db.WriteAsync(_ =>
        {
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }, CancellationToken.None);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)), "the writer never started the gate write");
        return (gate, release);
    }

    private Task Insert(int id, CancellationToken ct = default) =>
        _db.WriteAsync(s => s.Statement("INSERT INTO items (id, name) VALUES (?1, ?2)").Int(1, id).Text(2, $"item {id}").Run(), ct);

    private async Task<List<long>> IdsAsync()
    {
        var ids = new List<long>();
        await using var connection = await _db.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM items ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids;
    }

    [Fact]
    public async Task Text_encoded_beforehand_binds_as_the_strings_would_and_compares_as_stored()
    {
        string?[] names = ["plain", "", null, "Crème brûlée 🍮 ß", "x"];
        var values = new Utf8Values(names);
        Assert.Equal(names.Length, values.Count);
        await _db.ExecuteAsync("CREATE TABLE texts (id INTEGER PRIMARY KEY, name TEXT)", CancellationToken.None);
        await _db.WriteAsync(s =>
        {
            for (var i = 0; i < names.Length; i++) s.Statement("INSERT INTO texts (id, name) VALUES (?1, ?2)").Int(1, i).Text(2, values, i).Run();
        }, CancellationToken.None);

        await using (var connection = await _db.OpenAsync(CancellationToken.None))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, typeof(name) FROM texts ORDER BY id";
            await using var reader = await command.ExecuteReaderAsync();
            var read = new List<(string?, string)>();
            while (await reader.ReadAsync()) read.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1)));
            // The empty string stays text (an empty span would have bound NULL).
            Assert.Equal([("plain", "text"), ("", "text"), (null, "null"), ("Crème brûlée 🍮 ß", "text"), ("x", "text")], read);
        }

        var equal = await _db.WriteAsync(s =>
        {
            var select = s.Statement("SELECT name FROM texts WHERE id = ?1");
            var results = new List<bool>();
            foreach (var (id, field) in new[] { (3, 3), (3, 0), (0, 0), (1, 1), (2, 2), (4, 0) })
            {
                Assert.True(select.Int(1, id).Step());
                results.Add(select.TextEquals(0, values[field]));
                select.Done();
            }
            return results;
        }, CancellationToken.None);
        // A NULL equals nothing, not even an empty value; a prefix is not equal.
        Assert.Equal([true, false, true, true, false, false], equal);
    }

    [Fact]
    public async Task Writes_queued_together_commit_in_one_transaction()
    {
        var before = _db.Commits;
        var (gate, release) = HoldWriter();
        var writes = Enumerable.Range(1, 200).Select(i => Insert(i)).ToList();
        release.Set();
        await gate;
        await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), await IdsAsync());
        // 201 writes, committed in as few groups as the group limits allow (512 writes or 100 ms each): one per write would be 201.
        var commits = _db.Commits - before;
        Assert.InRange(commits, 1, 20);
    }

    [Fact]
    public async Task The_writer_tells_its_time_on_a_core_from_its_time_waiting()
    {
        var (busyBefore, cpuBefore) = (_db.WriterBusy, _db.WriterBusyCpu);
        // One write that computes (SQLite counting through a recursive query), then one that only waits.
        await _db.WriteAsync(session =>
            session.Execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT count(*) FROM n"),
            CancellationToken.None);
        var (computedBusy, computedCpu) = (_db.WriterBusy - busyBefore, _db.WriterBusyCpu - cpuBefore);
        await _db.WriteAsync(_ => new ManualResetEventSlim().Wait(TimeSpan.FromMilliseconds(300)), CancellationToken.None);
        var (waitedBusy, waitedCpu) = (_db.WriterBusy - busyBefore - computedBusy, _db.WriterBusyCpu - cpuBefore - computedCpu);

        Assert.True(OperatingSystem.IsLinux(), "the writer's CPU clock is read on Linux only");
        Assert.True(computedCpu > TimeSpan.FromMilliseconds(20), $"computing write on CPU {computedCpu.TotalMilliseconds} ms, busy {computedBusy.TotalMilliseconds} ms");
        Assert.True(computedCpu <= computedBusy + TimeSpan.FromMilliseconds(5), $"on CPU {computedCpu} exceeds busy {computedBusy}");
        Assert.True(waitedBusy >= TimeSpan.FromMilliseconds(290), $"waiting write busy {waitedBusy.TotalMilliseconds} ms");
        Assert.True(waitedCpu < TimeSpan.FromMilliseconds(100), $"waiting write on CPU {waitedCpu.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_failing_write_rolls_back_only_its_own_changes()
    {
        var (gate, release) = HoldWriter();
        var first = Insert(1);
        var failing = _db.WriteAsync(s =>
        {
            s.Statement("INSERT INTO items (id, name) VALUES (?1, ?2)").Int(1, 2).Text(2, "doomed").Run();
            throw new InvalidOperationException("the write found something wrong");
        }, CancellationToken.None);
        var duplicate = Insert(1);
        var third = Insert(3);
        release.Set();
        await gate;

        await first;
        await third;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("the write found something wrong", error.Message);
        var constraint = await Assert.ThrowsAsync<SqliteException>(() => duplicate);
        Assert.Equal(19, constraint.SqliteErrorCode); // SQLITE_CONSTRAINT
        Assert.Equal([1L, 3L], await IdsAsync());
    }

    [Fact]
    public async Task A_failure_that_rolls_back_the_whole_transaction_fails_its_group_and_the_writer_carries_on()
    {
        var (gate, release) = HoldWriter();
        var before = Insert(1);
        // SQLite rolls the whole transaction back when an INSERT inside it is interrupted (SQLITE_INTERRUPT). An
        // interrupt counts only while a statement runs, so a read is left open across it; the INSERT is prepared before
        // it (an interrupted prepare would fail without rolling anything back).
        var interrupted = _db.WriteAsync(s =>
        {
            var insert = s.Statement("INSERT INTO items (id, name) VALUES (?1, ?2)");
            var open = s.Statement("SELECT id FROM items");
            Assert.True(open.Step());
            SQLitePCL.raw.sqlite3_interrupt(s.Connection.Handle);
            insert.Int(1, 2).Text(2, "interrupted").Run();
        }, CancellationToken.None);
        var after = Insert(3);
        release.Set();

        // Every write of the group went with the transaction: each fails with the cause, none claims success. (The gate
        // write is in that group too unless the group's 100 ms ran out before the others were queued.)
        var lostBefore = await Assert.ThrowsAsync<SqliteWriteLostException>(() => before);
        Assert.Equal(9, Assert.IsType<SqliteException>(lostBefore.InnerException).SqliteErrorCode); // SQLITE_INTERRUPT
        if (await Record.ExceptionAsync(() => gate) is { } gateError) Assert.IsType<SqliteWriteLostException>(gateError);
        var cause = await Assert.ThrowsAsync<SqliteException>(() => interrupted);
        Assert.Equal(9, cause.SqliteErrorCode);
        // The write queued behind them runs in a new transaction on a reopened session.
        await after;
        Assert.Equal([3L], await IdsAsync());
        await Insert(4);
        Assert.Equal([3L, 4L], await IdsAsync());
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_never_runs()
    {
        var (gate, release) = HoldWriter();
        using var cancel = new CancellationTokenSource();
        var cancelled = Insert(7, cancel.Token);
        var kept = Insert(8);
        await cancel.CancelAsync();
        release.Set();
        await gate;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await kept;
        Assert.Equal([8L], await IdsAsync());
    }

    [Fact]
    public async Task Disposing_finishes_the_queued_writes_and_refuses_new_ones()
    {
        var (gate, release) = HoldWriter();
        var queued = Enumerable.Range(1, 20).Select(i => Insert(i)).ToList();
        release.Set();
        await _db.DisposeAsync();

        await gate;
        await Task.WhenAll(queued);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Insert(21));
        await using var reopened = new SqliteDatabase(Path.Combine(_dir.Path, "writer.db"));
        _db = reopened;
        Assert.Equal(20, (await IdsAsync()).Count);
    }

    [Fact]
    public async Task A_write_on_a_file_that_is_not_a_database_fails_with_sqlite_error()
    {
        var path = Path.Combine(_dir.Path, "not-a-database.db");
        await File.WriteAllTextAsync(path, new string('x', 8192));
        await using var broken = new SqliteDatabase(path);

        await Assert.ThrowsAsync<SqliteException>(() => broken.ExecuteAsync("CREATE TABLE t (x)", CancellationToken.None));
        // The writer keeps serving: the next write gets the same clear error, not a hang.
        await Assert.ThrowsAsync<SqliteException>(() => broken.ExecuteAsync("CREATE TABLE t (x)", CancellationToken.None));
    }
}
