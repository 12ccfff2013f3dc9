using Microsoft.Data.Sqlite;
using Pipeline.Adapters.Local;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The WAL's checkpoints run beside the single writer, not inside its commits: a background pass copies the pages, and
/// the writer only catches up the tail now and then so that the WAL starts over instead of growing. Rows are ~4 KiB
/// blobs, so every write appends at least one page to the WAL.
/// </summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempFolder _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private string DbPath => Path.Combine(_dir.Path, "wal.db");

    private async Task<SqliteDatabase> OpenAsync(int passFrames, int restartFrames)
    {
        var db = new SqliteDatabase(DbPath, checkpointPassFrames: passFrames, checkpointRestartFrames: restartFrames);
        await db.ExecuteAsync("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)", CancellationToken.None);
        return db;
    }

    private static async Task InsertAsync(SqliteDatabase db, int from, int count)
    {
        // One write (and commit) each, as the pipeline's pages mostly are.
        for (var id = from; id < from + count; id++)
        {
            var row = id;
            await db.WriteAsync(s => s.Statement("INSERT INTO blobs (id, body) VALUES (?1, randomblob(4000))").Int(1, row).Run(),
                CancellationToken.None);
        }
    }

    private static async Task<long> CountAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM blobs";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>A WAL of <paramref name="frames"/> pages: header plus a 24-byte frame header per page.</summary>
    private static long WalBytes(int frames) => 32 + (long)frames * (24 + PageSize);

    [Fact]
    public async Task The_writer_commits_without_checkpointing_and_a_background_pass_copies_the_pages()
    {
        await using var db = await OpenAsync(passFrames: 50, restartFrames: 100_000);
        var autoCheckpoint = await db.WriteAsync(s => s.Statement("PRAGMA wal_autocheckpoint").ScalarInt64(), CancellationToken.None);
        Assert.Equal(0, autoCheckpoint);

        var pass = db.Checkpointer.NextPassAsync();
        Assert.True(Length(DbPath) < 100_000, $"nothing should be copied yet, the database file has {Length(DbPath)} bytes");
        // One commit of 60 pages: the pass it wakes finds all of them in the WAL.
        await db.WriteAsync(s => s.Execute("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 60) INSERT INTO blobs (id, body) SELECT v, randomblob(4000) FROM n"),
            CancellationToken.None);
        await pass.WaitAsync(TimeSpan.FromSeconds(30));

        // 60 rows of 4,000 bytes are in the database file itself now, not only in the WAL.
        Assert.True(Length(DbPath) >= 60 * 4000, $"the database file has {Length(DbPath)} bytes after the pass");
        Assert.True(db.Checkpoints.Passes >= 1);
        Assert.Equal(0, db.Checkpoints.Failures);
    }

    [Fact]
    public async Task The_wal_starts_over_under_a_writer_that_never_pauses()
    {
        await using var db = await OpenAsync(passFrames: 20, restartFrames: 100);
        await InsertAsync(db, 1, 600);

        var stats = db.Checkpoints;
        Assert.True(stats.Restarts >= 4, $"{stats}");
        Assert.Equal(0, stats.Failures);
        // Without the restarts the WAL would hold all 600+ pages; with them it never passes the limit by more than a commit.
        Assert.InRange(Length(DbPath + "-wal"), 1, WalBytes(100 + 10));
        await using var reader = await db.OpenAsync(CancellationToken.None);
        Assert.Equal(600, await CountAsync(reader));
    }

    [Fact]
    public async Task A_reader_on_an_old_snapshot_holds_the_wal_and_it_starts_over_once_the_reader_is_done()
    {
        await using var db = await OpenAsync(passFrames: 20, restartFrames: 100);
        await InsertAsync(db, 1, 10);

        await using (var reader = await db.OpenAsync(CancellationToken.None))
        await using (var snapshot = reader.BeginTransaction(deferred: true))
        {
            Assert.Equal(10, await CountAsync(reader));
            var restartsBefore = db.Checkpoints.Restarts;
            await InsertAsync(db, 11, 300);

            // The reader still sees its snapshot, so neither the passes nor the catch-ups could let the WAL start over.
            Assert.Equal(10, await CountAsync(reader));
            Assert.Equal(restartsBefore, db.Checkpoints.Restarts);
            Assert.True(Length(DbPath + "-wal") >= WalBytes(300), $"the WAL has {Length(DbPath + "-wal")} bytes");
        }

        var held = Length(DbPath + "-wal");
        var restarts = db.Checkpoints.Restarts;
        await InsertAsync(db, 311, 300);

        Assert.True(db.Checkpoints.Restarts > restarts, $"{db.Checkpoints}");
        // Started over: after at most two passes' worth of pages (the writer's next try), the next ~600 pages
        // overwrote the file from its start instead of growing it.
        Assert.InRange(Length(DbPath + "-wal"), held, held + WalBytes(2 * 20 + 10) - 32);
        await using var after = await db.OpenAsync(CancellationToken.None);
        Assert.Equal(610, await CountAsync(after));
    }

    [Fact]
    public async Task A_restart_a_reader_prevents_is_tried_again_and_counted_only_once_it_happened()
    {
        // The writer's side driven by hand on the test's own connection (no background pass: the writer's own checks
        // give the verdicts, 2 x 20 pages after each catch-up), so that a reader can begin between a commit and the
        // catch-up that follows it: every frame gets copied, yet the reader's open snapshot keeps the next transaction
        // from starting the WAL over.
        Directory.CreateDirectory(_dir.Path);
        await using var writer = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        writer.Open();
        Exec(writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;" +
                     "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        await using var checkpointer = new SqliteCheckpointer(() => throw new InvalidOperationException("no background pass"),
            passFrames: 20, restartFrames: 100, background: false);
        var next = 1;
        void Commit(int rows)
        {
            Exec(writer, $"WITH RECURSIVE n(v) AS (SELECT {next} UNION ALL SELECT v + 1 FROM n WHERE v < {next + rows - 1}) " +
                         "INSERT INTO blobs (id, body) SELECT v, randomblob(4000) FROM n");
            next += rows;
            checkpointer.Committed(writer.Handle!);
        }

        Commit(60);
        Assert.Equal(0, checkpointer.CatchUps);
        Exec(writer, $"WITH RECURSIVE n(v) AS (SELECT {next} UNION ALL SELECT v + 1 FROM n WHERE v < {next + 49}) " +
                     "INSERT INTO blobs (id, body) SELECT v, randomblob(4000) FROM n");
        next += 50;
        await using (var reader = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            reader.Open();
            await using var snapshot = reader.BeginTransaction(deferred: true);
            Assert.Equal(110, await CountAsync(reader));
            checkpointer.Committed(writer.Handle!); // 110 pages: the catch-up copies them all
            Assert.Equal(1, checkpointer.CatchUps);
            var walAtCatchUp = Length(DbPath + "-wal");

            Commit(30);
            Commit(30); // 60 pages on: the check finds the WAL grown, not started over, and tries again
            Assert.Equal(2, checkpointer.CatchUps);
            Assert.Equal(0, checkpointer.Restarts);
            Assert.True(Length(DbPath + "-wal") > walAtCatchUp);
        }

        Commit(45); // the reader is gone: this try copies everything
        Assert.Equal(0, checkpointer.Restarts);
        Commit(45); // this transaction started the WAL over, and the check sees it
        Assert.Equal(1, checkpointer.Restarts);
        Assert.Equal(4, checkpointer.CatchUps);
        Assert.Equal(0, checkpointer.Failures);
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
