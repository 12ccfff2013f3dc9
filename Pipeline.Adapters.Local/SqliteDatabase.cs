using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Pipeline.Adapters.Local;

/// <summary>
/// One SQLite file in WAL mode. Reads open pooled connections of their own (WAL readers never wait for the writer);
/// every write goes through the file's single <see cref="SqliteWriter"/>, which commits concurrent writes together.
/// </summary>
public sealed class SqliteDatabase : IAsyncDisposable, IDisposable
{
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Prepared = new();
    private readonly string _connectionString;
    private readonly Lazy<SqliteWriter> _writer;

    /// <param name="path">The database file; its folder is created.</param>
    /// <param name="writerCacheMiB">Page cache of the writer's connection (readers keep SQLite's default of 2 MiB each).</param>
    /// <param name="checkpointPassFrames">WAL pages between two background checkpoints (see <see cref="SqliteCheckpointer"/>).</param>
    /// <param name="checkpointRestartFrames">WAL pages after which the writer makes the WAL start over.</param>
    /// <param name="logger">Told when the WAL's checkpoints start failing and when they succeed again.</param>
    public SqliteDatabase(string path, int writerCacheMiB = 64,
        int checkpointPassFrames = SqliteCheckpointer.DefaultPassFrames, int checkpointRestartFrames = SqliteCheckpointer.DefaultRestartFrames,
        ILogger? logger = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        // The checkpointer idles (no connection, no thread) until the writer's first commit asks for a pass.
        Checkpointer = new SqliteCheckpointer(OpenWriterConnection, checkpointPassFrames, checkpointRestartFrames, logger: logger, name: Path);
        _writer = new Lazy<SqliteWriter>(() => new SqliteWriter(OpenWriterConnection, writerCacheMiB, Checkpointer));
    }

    public string Path { get; }

    /// <summary>Transactions the writer has committed (each holds every write that was waiting).</summary>
    public long Commits => _writer.IsValueCreated ? _writer.Value.Commits : 0;

    /// <summary>Writes the writer has run, committed or not.</summary>
    public long Writes => _writer.IsValueCreated ? _writer.Value.Writes : 0;

    /// <summary>Time the writer has spent in transactions; against wall-clock time, how busy the serial part is.</summary>
    public TimeSpan WriterBusy => _writer.IsValueCreated ? _writer.Value.Busy : TimeSpan.Zero;

    /// <summary>CPU time the writer's thread used in its transactions (Linux); <see cref="WriterBusy"/> beyond it is waiting.</summary>
    public TimeSpan WriterBusyCpu => _writer.IsValueCreated ? _writer.Value.BusyCpu : TimeSpan.Zero;

    /// <summary>Page lookups the writer's cache answered, and those read from the file or the WAL.</summary>
    public (long Hits, long Misses) WriterCache => _writer.IsValueCreated ? (_writer.Value.CacheHits, _writer.Value.CacheMisses) : (0, 0);

    /// <summary>What the WAL's checkpoints have done so far (all zero before the first write).</summary>
    public SqliteCheckpointStats Checkpoints => Checkpointer.Stats;

    internal SqliteCheckpointer Checkpointer { get; }

    /// <summary>Opens a connection for reading (writes belong in <see cref="WriteAsync{T}"/>).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // Pooled connections keep their settings: set them once per physical connection.
        var handle = connection.Handle!;
        if (!Prepared.TryGetValue(handle, out _))
        {
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout=60000;";
            await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            Prepared.AddOrUpdate(handle, this);
        }
        return connection;
    }

    private SqliteConnection OpenWriterConnection()
    {
        var connection = new SqliteConnection(_connectionString + ";Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the writer connection inside a transaction (under a savepoint of its own, so its
    /// failure rolls back only its own writes) and returns once that transaction has committed.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteWriteSession, T> work, CancellationToken ct) => _writer.Value.WriteAsync(work, ct);

    public Task WriteAsync(Action<SqliteWriteSession> work, CancellationToken ct) =>
        _writer.Value.WriteAsync(session => { work(session); return true; }, ct);

    /// <summary>Runs SQL (e.g. DDL) as one write.</summary>
    public Task ExecuteAsync(string sql, CancellationToken ct) => WriteAsync(session => session.Execute(sql), ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_writer.IsValueCreated) await _writer.Value.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // After the writer: its last commits may have asked for a pass.
            await Checkpointer.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
