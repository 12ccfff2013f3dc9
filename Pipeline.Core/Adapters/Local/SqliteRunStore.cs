using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// Runs, counters, idempotency markers, refreshes and stream checkpoints in SQLite. One active run per source is
/// enforced by a unique column that is cleared when the run ends; a marker and its counter deltas commit together.
/// </summary>
public sealed class SqliteRunStore(SqliteDatabase db) : IRunStore
{
    public const int MaxErrors = 50;
    private static readonly Counter[] Counters = Enum.GetValues<Counter>();
    private static readonly string CounterColumns = string.Join(", ", Counters.Select(c => c.ColumnName()));

    public string ProviderName => "Local";

    public Task EnsureCreatedAsync(CancellationToken ct) => db.ExecuteAsync($"""
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY, source TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
            started_at INTEGER, finished_at INTEGER, planning_complete INTEGER NOT NULL DEFAULT 0, trigger TEXT NOT NULL,
            options TEXT NOT NULL, errors TEXT NOT NULL DEFAULT '[]', active_source TEXT UNIQUE,
            {string.Join(", ", Counters.Select(c => $"{c.ColumnName()} INTEGER NOT NULL DEFAULT 0"))}) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at DESC);
        CREATE TABLE IF NOT EXISTS applied (run_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS checkpoints (consumer TEXT NOT NULL, shard_id TEXT NOT NULL, seq TEXT NOT NULL,
            PRIMARY KEY (consumer, shard_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS refreshes (
            refresh_id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
            products_loaded INTEGER NOT NULL DEFAULT 0, observations_loaded INTEGER NOT NULL DEFAULT 0, error TEXT,
            trigger TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS refreshes_created ON refreshes (created_at DESC);
        """, ct);

    private static string RunColumns =>
        $"run_id, source, status, created_at, started_at, finished_at, planning_complete, trigger, options, errors, {CounterColumns}";

    private static IngestionRun ReadRun(SqliteDataReader r)
    {
        var counters = StageCounters.Zero;
        for (var i = 0; i < Counters.Length; i++) counters = counters.Add(Counters[i], r.GetInt64(10 + i));
        return new IngestionRun
        {
            RunId = r.GetString(0),
            Source = r.GetString(1),
            Status = RunStatusExtensions.ParseWire(r.GetString(2)),
            CreatedAt = SqliteExtensions.FromUnixMs(r.GetInt64(3)),
            StartedAt = r.GetNullableTime(4),
            FinishedAt = r.GetNullableTime(5),
            PlanningComplete = r.GetInt64(6) != 0,
            Trigger = r.GetString(7),
            Options = JsonSerializer.Deserialize(r.GetString(8), CoreJsonContext.Default.DictionaryStringString) ?? [],
            Errors = JsonSerializer.Deserialize(r.GetString(9), CoreJsonContext.Default.ListString) ?? [],
            Stages = counters,
        };
    }

    public async Task<(IngestionRun Run, bool Created)> TryCreateRunAsync(IngestionRun run, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var find = connection.CreateCommand())
        {
            find.Transaction = tx;
            find.CommandText = $"SELECT {RunColumns} FROM runs WHERE active_source = $source";
            find.With("$source", run.Source);
            await using var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (await reader.ReadAsync(ct).ConfigureAwait(false)) return (ReadRun(reader), false);
        }
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO runs (run_id, source, status, created_at, started_at, trigger, options, active_source)
                VALUES ($id, $source, $status, $created, $started, $trigger, $options, $active)
                """;
            insert.With("$id", run.RunId).With("$source", run.Source).With("$status", run.Status.ToWire())
                .With("$created", run.CreatedAt.ToUnixMs()).With("$started", run.StartedAt?.ToUnixMs())
                .With("$trigger", run.Trigger)
                .With("$options", JsonSerializer.Serialize(run.Options.ToDictionary(), CoreJsonContext.Default.DictionaryStringString))
                .With("$active", run.Status.IsTerminal() ? null : run.Source);
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (run, true);
    }

    public async Task<IngestionRun?> GetRunAsync(string runId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        return await GetRunAsync(connection, null, runId, ct).ConfigureAwait(false);
    }

    private static async Task<IngestionRun?> GetRunAsync(SqliteConnection connection, SqliteTransaction? tx, string runId, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE run_id = $id";
        command.With("$id", runId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadRun(reader) : null;
    }

    public async Task<IReadOnlyList<IngestionRun>> ListRunsAsync(int limit, CancellationToken ct)
    {
        var runs = new List<IngestionRun>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs ORDER BY created_at DESC, run_id DESC LIMIT $limit";
        command.With("$limit", Math.Clamp(limit, 1, 1000));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) runs.Add(ReadRun(reader));
        return runs;
    }

    public async Task<bool> ApplyOnceAsync(string runId, string idempotencyKey, IReadOnlyList<CounterDelta> deltas, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var mark = connection.CreateCommand())
        {
            mark.Transaction = tx;
            mark.CommandText = "INSERT INTO applied (run_id, key) VALUES ($run, $key) ON CONFLICT DO NOTHING";
            mark.With("$run", runId).With("$key", idempotencyKey);
            if (await mark.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0) return false;
        }
        await IncrementAsync(connection, tx, runId, deltas, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> WasAppliedAsync(string runId, string idempotencyKey, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM applied WHERE run_id = $run AND key = $key";
        command.With("$run", runId).With("$key", idempotencyKey);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    public async Task IncrementAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await IncrementAsync(connection, null, runId, deltas, ct).ConfigureAwait(false);
    }

    private static async Task IncrementAsync(SqliteConnection connection, SqliteTransaction? tx, string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct)
    {
        var nonZero = deltas.Where(d => d.Delta != 0).ToList();
        if (nonZero.Count == 0) return;
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "UPDATE runs SET " +
                              string.Join(", ", nonZero.Select((d, i) => $"{d.Counter.ColumnName()} = {d.Counter.ColumnName()} + $d{i}")) +
                              " WHERE run_id = $run";
        for (var i = 0; i < nonZero.Count; i++) command.With($"$d{i}", nonZero[i].Delta);
        command.With("$run", runId);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task SetStatusAsync(string runId, RunStatus status, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET status = $status,
                started_at = CASE WHEN $status = 'running' AND started_at IS NULL THEN $now ELSE started_at END
            WHERE run_id = $run AND active_source IS NOT NULL
            """;
        command.With("$status", status.ToWire()).With("$run", runId).With("$now", DateTimeOffset.UtcNow.ToUnixMs());
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task MarkPlanningCompleteAsync(string runId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE runs SET planning_complete = 1 WHERE run_id = $run";
        command.With("$run", runId);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task AddErrorAsync(string runId, string error, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET errors = json_insert(errors, '$[#]', $error)
            WHERE run_id = $run AND json_array_length(errors) < $max
            """;
        command.With("$run", runId).With("$error", Truncate(error, 2000)).With("$max", MaxErrors);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max] + "…";

    public async Task<IngestionRun?> TryFinishAsync(string runId, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var run = await GetRunAsync(connection, tx, runId, ct).ConfigureAwait(false);
        if (run is null || run.Status != RunStatus.Running || !run.Stages.IsSettled(run.PlanningComplete)) return null;
        var status = run.Stages.PagesFailed > 0 || run.Stages.ProductsRejected > 0 || run.Errors.Count > 0
            ? RunStatus.PartiallySucceeded
            : RunStatus.Succeeded;
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = "UPDATE runs SET status = $status, finished_at = $now, active_source = NULL WHERE run_id = $run AND status = 'running'";
            command.With("$status", status.ToWire()).With("$now", now.ToUnixMs()).With("$run", runId);
            if (await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0) return null;
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return run with { Status = status, FinishedAt = now };
    }

    public async Task<bool> EndAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct)
    {
        if (!status.IsTerminal()) throw new ArgumentException("EndAsync takes a terminal status.", nameof(status));
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET status = $status, finished_at = $now, active_source = NULL,
                errors = CASE WHEN $error IS NULL OR json_array_length(errors) >= $max THEN errors ELSE json_insert(errors, '$[#]', $error) END
            WHERE run_id = $run AND active_source IS NOT NULL
            """;
        command.With("$status", status.ToWire()).With("$now", now.ToUnixMs()).With("$run", runId)
            .With("$error", error is null ? null : Truncate(error, 2000)).With("$max", MaxErrors);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    public async Task<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM checkpoints WHERE consumer = $c AND shard_id = $s";
        command.With("$c", consumer).With("$s", shardId);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public async Task SetCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO checkpoints (consumer, shard_id, seq) VALUES ($c, $s, $q)
            ON CONFLICT(consumer, shard_id) DO UPDATE SET seq = excluded.seq
            """;
        command.With("$c", consumer).With("$s", shardId).With("$q", sequenceNumber);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private const string RefreshColumns = "refresh_id, status, created_at, started_at, finished_at, products_loaded, observations_loaded, error, trigger";

    private static WarehouseRefresh ReadRefresh(SqliteDataReader r) => new()
    {
        RefreshId = r.GetString(0),
        Status = RunStatusExtensions.ParseWire(r.GetString(1)),
        CreatedAt = SqliteExtensions.FromUnixMs(r.GetInt64(2)),
        StartedAt = r.GetNullableTime(3),
        FinishedAt = r.GetNullableTime(4),
        ProductsLoaded = r.GetInt64(5),
        ObservationsLoaded = r.GetInt64(6),
        Error = r.GetNullableString(7),
        Trigger = r.GetString(8),
    };

    public async Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct)
    {
        await UpdateRefreshAsync(refresh, ct).ConfigureAwait(false);
        return refresh;
    }

    public async Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO refreshes ({RefreshColumns}) VALUES ($id, $status, $created, $started, $finished, $products, $observations, $error, $trigger)
            ON CONFLICT(refresh_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at,
                products_loaded = excluded.products_loaded, observations_loaded = excluded.observations_loaded, error = excluded.error
            """;
        command.With("$id", refresh.RefreshId).With("$status", refresh.Status.ToWire()).With("$created", refresh.CreatedAt.ToUnixMs())
            .With("$started", refresh.StartedAt?.ToUnixMs()).With("$finished", refresh.FinishedAt?.ToUnixMs())
            .With("$products", refresh.ProductsLoaded).With("$observations", refresh.ObservationsLoaded)
            .With("$error", refresh.Error).With("$trigger", refresh.Trigger);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RefreshColumns} FROM refreshes WHERE refresh_id = $id";
        command.With("$id", refreshId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadRefresh(reader) : null;
    }

    public async Task<IReadOnlyList<WarehouseRefresh>> ListRefreshesAsync(int limit, CancellationToken ct)
    {
        var list = new List<WarehouseRefresh>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RefreshColumns} FROM refreshes ORDER BY created_at DESC, refresh_id DESC LIMIT $limit";
        command.With("$limit", Math.Clamp(limit, 1, 1000));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) list.Add(ReadRefresh(reader));
        return list;
    }
}
