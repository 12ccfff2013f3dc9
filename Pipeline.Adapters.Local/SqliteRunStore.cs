using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;

namespace Pipeline.Adapters.Local;

/// <summary>
/// Runs, counters, idempotency markers, refreshes, run event logs and stream checkpoints in SQLite (data check results and the
/// notification outbox in <c>SqliteRunStore.Quality.cs</c> and <c>SqliteRunStore.Outbox.cs</c>). One active run per source is
/// enforced by a unique column that is cleared when the run ends; a marker and its counter deltas commit together.
/// </summary>
public sealed partial class SqliteRunStore(SqliteDatabase db) : IRunStore, IIdempotencyMarkers, IRefreshStore, ICheckpointStore, IRunEventLog
{
    public const int MaxErrors = 50;
    private static readonly Counter[] Counters = Enum.GetValues<Counter>();
    private static readonly string CounterColumns = string.Join(", ", Counters.Select(c => c.ColumnName()));

    public string ProviderName => "Local";

    /// <summary>Info and warning events kept per run (<see cref="IRunEventLog.MaxInfoAndWarningEvents"/>; lower in tests).</summary>
    public int MaxInfoAndWarningEvents { get; set; } = IRunEventLog.MaxInfoAndWarningEvents;

    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        await db.ExecuteAsync(Schema, ct).ConfigureAwait(false);
        // Stores written before refreshes were retried get the attempts (their refreshes had one, not recorded).
        await db.WriteAsync(session =>
        {
            if (session.Statement("SELECT count(*) FROM pragma_table_info('refreshes') WHERE name = 'attempts'").ScalarInt64() == 0)
                session.Execute("ALTER TABLE refreshes ADD COLUMN attempts TEXT NOT NULL DEFAULT '[]'; ALTER TABLE refreshes ADD COLUMN next_attempt_at INTEGER;");
            session.Execute("CREATE INDEX IF NOT EXISTS refreshes_trigger ON refreshes (trigger, created_at DESC);");
            // Stores written before runs had a timeline, a parent and a page list get the columns (null for old runs).
            if (session.Statement("SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'parent_run_id'").ScalarInt64() == 0)
                session.Execute(string.Join(" ", TimelineColumnDefinitions.Select(c => $"ALTER TABLE runs ADD COLUMN {c};")));
            // Stores written before replays get the replay's counters (zero for every earlier run).
            foreach (var counter in Counters)
                if (session.Statement($"SELECT count(*) FROM pragma_table_info('runs') WHERE name = '{counter.ColumnName()}'").ScalarInt64() == 0)
                    session.Execute($"ALTER TABLE runs ADD COLUMN {counter.ColumnName()} INTEGER NOT NULL DEFAULT 0;");
            MigrateQuality(session);
            MigrateOutbox(session);
        }, ct).ConfigureAwait(false);
    }

    private static string Schema => $"""
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY, source TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
            started_at INTEGER, finished_at INTEGER, planning_complete INTEGER NOT NULL DEFAULT 0, trigger TEXT NOT NULL,
            options TEXT NOT NULL, errors TEXT NOT NULL DEFAULT '[]', active_source TEXT UNIQUE,
            {string.Join(", ", Counters.Select(c => $"{c.ColumnName()} INTEGER NOT NULL DEFAULT 0"))},
            {string.Join(", ", TimelineColumnDefinitions)}) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at DESC);
        CREATE TABLE IF NOT EXISTS run_events (
            seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL, level TEXT NOT NULL,
            stage TEXT NOT NULL, message TEXT NOT NULL, page INTEGER, skip INTEGER, raw_key TEXT, record_index INTEGER,
            attempt INTEGER, cause TEXT, UNIQUE (run_id, key));
        CREATE INDEX IF NOT EXISTS run_events_run ON run_events (run_id, seq);
        CREATE TABLE IF NOT EXISTS applied (run_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS checkpoints (consumer TEXT NOT NULL, shard_id TEXT NOT NULL, seq TEXT NOT NULL,
            PRIMARY KEY (consumer, shard_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS refreshes (
            refresh_id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
            products_loaded INTEGER NOT NULL DEFAULT 0, observations_loaded INTEGER NOT NULL DEFAULT 0, error TEXT,
            trigger TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS refreshes_created ON refreshes (created_at DESC);
        {QualitySchema}
        {OutboxSchema}
        {SessionsSchema}
        """;

    /// <summary>Columns added after the first release (kept after the counters, so that older files migrate by ALTER TABLE).</summary>
    private static readonly string[] TimelineColumnDefinitions =
    [
        "parent_run_id TEXT", "only_pages TEXT", "plan_finished_at INTEGER", "fetch_started_at INTEGER", "fetch_finished_at INTEGER",
        "transform_started_at INTEGER", "transform_finished_at INTEGER", "event_count INTEGER NOT NULL DEFAULT 0",
    ];

    private static string RunColumns =>
        $"run_id, source, status, created_at, started_at, finished_at, planning_complete, trigger, options, errors, {CounterColumns}, " +
        "parent_run_id, only_pages, plan_finished_at, fetch_started_at, fetch_finished_at, transform_started_at, transform_finished_at";

    private static IngestionRun ReadRun(SqliteDataReader r)
    {
        var counters = StageCounters.Zero;
        for (var i = 0; i < Counters.Length; i++) counters = counters.Add(Counters[i], r.GetInt64(10 + i));
        var t = 10 + Counters.Length;
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
            ParentRunId = r.GetNullableString(t),
            OnlyPages = r.IsDBNull(t + 1) ? null : JsonSerializer.Deserialize(r.GetString(t + 1), CoreJsonContext.Default.ListInt32),
            PlanFinishedAt = r.GetNullableTime(t + 2),
            FetchStartedAt = r.GetNullableTime(t + 3),
            FetchFinishedAt = r.GetNullableTime(t + 4),
            TransformStartedAt = r.GetNullableTime(t + 5),
            TransformFinishedAt = r.GetNullableTime(t + 6),
        };
    }

    public Task<(IngestionRun Run, bool Created)> TryCreateRunAsync(IngestionRun run, CancellationToken ct) => db.WriteAsync(session =>
    {
        var connection = session.Connection;
        using (var find = connection.CreateCommand())
        {
            find.CommandText = $"SELECT {RunColumns} FROM runs WHERE active_source = $source";
            find.With("$source", run.Source);
            using var reader = find.ExecuteReader();
            if (reader.Read()) return (ReadRun(reader), false);
        }
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO runs (run_id, source, status, created_at, started_at, trigger, options, active_source, parent_run_id, only_pages)
                VALUES ($id, $source, $status, $created, $started, $trigger, $options, $active, $parent, $pages)
                """;
            insert.With("$id", run.RunId).With("$source", run.Source).With("$status", run.Status.ToWire())
                .With("$created", run.CreatedAt.ToUnixMs()).With("$started", run.StartedAt?.ToUnixMs())
                .With("$trigger", run.Trigger)
                .With("$options", JsonSerializer.Serialize(run.Options.ToDictionary(), CoreJsonContext.Default.DictionaryStringString))
                .With("$active", run.Status.IsTerminal() ? null : run.Source)
                .With("$parent", run.ParentRunId)
                .With("$pages", run.OnlyPages is null ? null : JsonSerializer.Serialize(run.OnlyPages.ToList(), CoreJsonContext.Default.ListInt32));
            insert.ExecuteNonQuery();
        }
        return (run, true);
    }, ct);

    public async Task<IngestionRun?> GetRunAsync(string runId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        return GetRun(connection, runId);
    }

    private static IngestionRun? GetRun(SqliteConnection connection, string runId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE run_id = $id";
        command.With("$id", runId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRun(reader) : null;
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

    public async Task<RunPage> QueryRunsAsync(RunQuery query, CancellationToken ct)
    {
        var limit = Math.Clamp(query.Limit, 1, 1000);
        (long CreatedAt, string RunId)? after = query.PageToken is null ? null : ParseRunToken(query.PageToken);
        var runs = new List<IngestionRun>(limit + 1);
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {RunColumns} FROM runs
            WHERE ($source IS NULL OR source = $source) AND ($status IS NULL OR status = $status) AND ($trigger IS NULL OR trigger = $trigger OR substr(trigger, 1, length($trigger) + 1) = $trigger || ':')
              AND ($afterCreated IS NULL OR created_at < $afterCreated OR (created_at = $afterCreated AND run_id < $afterId))
            ORDER BY created_at DESC, run_id DESC LIMIT $limit
            """;
        command.With("$source", query.Source).With("$status", query.Status?.ToWire()).With("$trigger", query.Trigger)
            .With("$afterCreated", after?.CreatedAt).With("$afterId", after?.RunId).With("$limit", limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) runs.Add(ReadRun(reader));
        if (runs.Count <= limit) return new RunPage(runs, null);
        runs.RemoveAt(limit);
        var last = runs[^1];
        return new RunPage(runs, OpaqueToken.Encode($"{last.CreatedAt.ToUnixMs()}|{last.RunId}"));
    }

    private static (long, string) ParseRunToken(string token)
    {
        var text = OpaqueToken.Decode(token);
        var bar = text.IndexOf('|');
        if (bar <= 0 || !long.TryParse(text.AsSpan(0, bar), out var created)) throw new FormatException("The page token is not one this store wrote.");
        return (created, text[(bar + 1)..]);
    }

    public Task<bool> ApplyOnceAsync(string runId, string idempotencyKey, IReadOnlyList<CounterDelta> deltas, CancellationToken ct) =>
        db.WriteAsync(session =>
        {
            var marked = session.Statement("INSERT INTO applied (run_id, key) VALUES (?1, ?2) ON CONFLICT DO NOTHING")
                .Text(1, runId).Text(2, idempotencyKey).Run();
            if (marked == 0) return false;
            Increment(session, runId, deltas);
            return true;
        }, ct);

    public async Task<bool> WasAppliedAsync(string runId, string idempotencyKey, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM applied WHERE run_id = $run AND key = $key";
        command.With("$run", runId).With("$key", idempotencyKey);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    public Task IncrementAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct) =>
        db.WriteAsync(session => Increment(session, runId, deltas), ct);

    /// <summary>
    /// One statement for every counter (zero for those not given), prepared once on the writer's connection: a page's
    /// counters are written twice per page (fetch, transform), so preparing per call cost the serial writer more than
    /// the update itself.
    /// </summary>
    private static readonly string IncrementSql = IncrementSqlMoving(null);

    private static readonly string IncrementFetchSql = IncrementSqlMoving("fetch");

    private static readonly string IncrementTransformSql = IncrementSqlMoving("transform");

    /// <summary>The counters' update, moving a stage's timeline in the same statement (no extra write per page).</summary>
    private static string IncrementSqlMoving(string? stage) => "UPDATE runs SET " +
        string.Join(", ", Counters.Select((c, i) => $"{c.ColumnName()} = {c.ColumnName()} + ?{i + 1}")) +
        (stage is null ? "" : $", {stage}_started_at = coalesce({stage}_started_at, ?{Counters.Length + 2}), " +
                              $"{stage}_finished_at = max(coalesce({stage}_finished_at, 0), ?{Counters.Length + 2})") +
        $" WHERE run_id = ?{Counters.Length + 1}";

    private static void Increment(SqliteWriteSession session, string runId, IReadOnlyList<CounterDelta> deltas)
    {
        Span<long> sums = stackalloc long[Counters.Length];
        var any = false;
        foreach (var delta in deltas)
        {
            if (delta.Delta == 0) continue;
            sums[Array.IndexOf(Counters, delta.Counter)] += delta.Delta;
            any = true;
        }
        if (!any) return;
        var stage = deltas.TimelineStage();
        var statement = session.Statement(stage switch
        {
            RunEventStage.Fetch => IncrementFetchSql,
            RunEventStage.Transform => IncrementTransformSql,
            _ => IncrementSql,
        });
        for (var i = 0; i < sums.Length; i++) statement.Int(i + 1, sums[i]);
        statement.Text(Counters.Length + 1, runId);
        if (stage is not null) statement.Int(Counters.Length + 2, DateTimeOffset.UtcNow.ToUnixMs());
        statement.Run();
    }

    public Task SetStatusAsync(string runId, RunStatus status, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET status = $status,
                started_at = CASE WHEN $status = 'running' AND started_at IS NULL THEN $now ELSE started_at END
            WHERE run_id = $run AND active_source IS NOT NULL
            """;
        command.With("$status", status.ToWire()).With("$run", runId).With("$now", DateTimeOffset.UtcNow.ToUnixMs());
        command.ExecuteNonQuery();
    }, ct);

    public Task MarkPlanningCompleteAsync(string runId, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = "UPDATE runs SET planning_complete = 1, plan_finished_at = coalesce(plan_finished_at, $now) WHERE run_id = $run";
        command.With("$run", runId).With("$now", DateTimeOffset.UtcNow.ToUnixMs());
        command.ExecuteNonQuery();
    }, ct);

    public Task AddErrorAsync(string runId, string error, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET errors = json_insert(errors, '$[#]', $error)
            WHERE run_id = $run AND json_array_length(errors) < $max
            """;
        command.With("$run", runId).With("$error", Truncate(error, 2000)).With("$max", MaxErrors);
        command.ExecuteNonQuery();
    }, ct);

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max] + "…";

    public async Task<IngestionRun?> TryFinishAsync(string runId, DateTimeOffset now, CancellationToken ct)
    {
        // Every page asks; only a settled run needs the writer. The caller's own counters have committed before it asks,
        // so the last page's caller always sees the run settled.
        if (await GetRunAsync(runId, ct).ConfigureAwait(false) is not { Status: RunStatus.Running } seen || !seen.Stages.IsSettled(seen.PlanningComplete))
            return null;
        return await db.WriteAsync(session =>
        {
            var run = GetRun(session.Connection, runId);
            if (run is null || run.Status != RunStatus.Running || !run.Stages.IsSettled(run.PlanningComplete)) return null;
            var status = run.Stages.PagesFailed > 0 || run.Stages.ProductsRejected > 0 || run.Errors.Count > 0
                ? RunStatus.PartiallySucceeded
                : RunStatus.Succeeded;
            using var command = session.Connection.CreateCommand();
            command.CommandText = "UPDATE runs SET status = $status, finished_at = $now, active_source = NULL WHERE run_id = $run AND status = 'running'";
            command.With("$status", status.ToWire()).With("$now", now.ToUnixMs()).With("$run", runId);
            if (command.ExecuteNonQuery() == 0) return null;
            return run with { Status = status, FinishedAt = now };
        }, ct).ConfigureAwait(false);
    }

    public Task<bool> EndAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct)
    {
        if (!status.IsTerminal()) throw new ArgumentException("EndAsync takes a terminal status.", nameof(status));
        return EndRunAsync(runId, status, error, now, ct);
    }

    private Task<bool> EndRunAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = """
            UPDATE runs SET status = $status, finished_at = $now, active_source = NULL,
                errors = CASE WHEN $error IS NULL OR json_array_length(errors) >= $max THEN errors ELSE json_insert(errors, '$[#]', $error) END
            WHERE run_id = $run AND active_source IS NOT NULL
            """;
        command.With("$status", status.ToWire()).With("$now", now.ToUnixMs()).With("$run", runId)
            .With("$error", error is null ? null : Truncate(error, 2000)).With("$max", MaxErrors);
        return command.ExecuteNonQuery() > 0;
    }, ct);

    public async Task<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM checkpoints WHERE consumer = $c AND shard_id = $s";
        command.With("$c", consumer).With("$s", shardId);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public Task SetCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = """
            INSERT INTO checkpoints (consumer, shard_id, seq) VALUES ($c, $s, $q)
            ON CONFLICT(consumer, shard_id) DO UPDATE SET seq = excluded.seq
            """;
        command.With("$c", consumer).With("$s", shardId).With("$q", sequenceNumber);
        command.ExecuteNonQuery();
    }, ct);

    private const string RefreshColumns =
        "refresh_id, status, created_at, started_at, finished_at, products_loaded, observations_loaded, error, trigger, attempts, next_attempt_at";

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
        Attempts = JsonSerializer.Deserialize(r.GetString(9), CoreJsonContext.Default.ListRefreshAttempt) ?? [],
        NextAttemptAt = r.GetNullableTime(10),
    };

    public async Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct)
    {
        await UpdateRefreshAsync(refresh, ct).ConfigureAwait(false);
        return refresh;
    }

    public Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct) => db.WriteAsync(session =>
    {
        using var command = session.Connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO refreshes ({RefreshColumns})
            VALUES ($id, $status, $created, $started, $finished, $products, $observations, $error, $trigger, $attempts, $next)
            ON CONFLICT(refresh_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at,
                products_loaded = excluded.products_loaded, observations_loaded = excluded.observations_loaded, error = excluded.error,
                attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at
            """;
        command.With("$id", refresh.RefreshId).With("$status", refresh.Status.ToWire()).With("$created", refresh.CreatedAt.ToUnixMs())
            .With("$started", refresh.StartedAt?.ToUnixMs()).With("$finished", refresh.FinishedAt?.ToUnixMs())
            .With("$products", refresh.ProductsLoaded).With("$observations", refresh.ObservationsLoaded)
            .With("$error", refresh.Error).With("$trigger", refresh.Trigger)
            .With("$attempts", JsonSerializer.Serialize(refresh.Attempts.ToList(), CoreJsonContext.Default.ListRefreshAttempt))
            .With("$next", refresh.NextAttemptAt?.ToUnixMs());
        command.ExecuteNonQuery();
    }, ct);

    public async Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RefreshColumns} FROM refreshes WHERE refresh_id = $id";
        command.With("$id", refreshId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadRefresh(reader) : null;
    }

    public async Task<WarehouseRefresh?> GetLatestRefreshAsync(string trigger, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RefreshColumns} FROM refreshes WHERE trigger = $trigger ORDER BY created_at DESC, refresh_id DESC LIMIT 1";
        command.With("$trigger", trigger);
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

    private const string EventColumns = "seq, run_id, key, at, level, stage, message, page, skip, raw_key, record_index, attempt, cause";

    /// <summary>
    /// Keeps the event once per key. Lines under the bound (<see cref="RunEventKeys.IsBounded"/>) stop at
    /// <see cref="MaxInfoAndWarningEvents"/> a run, counted on the run's row (no count of the log on the writer), then one
    /// warning says so; errors and lifecycle lines are always kept.
    /// </summary>
    public Task AppendAsync(RunEvent e, CancellationToken ct) => db.WriteAsync(session =>
    {
        if (RunEventKeys.IsBounded(e)
            && session.Statement("UPDATE runs SET event_count = event_count + 1 WHERE run_id = ?1 AND event_count < ?2")
                .Text(1, e.RunId).Int(2, MaxInfoAndWarningEvents).Run() == 0)
        {
            e = new RunEvent
            {
                RunId = e.RunId, At = e.At, Level = RunEventLevel.Warning, Stage = e.Stage, Key = RunEventKeys.LogFull,
                Message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"The event log keeps {MaxInfoAndWarningEvents:N0} info and warning lines a run; later ones are not kept (errors and the run's own lines still are)."),
            };
        }
        session.Statement("""
                INSERT INTO run_events (run_id, key, at, level, stage, message, page, skip, raw_key, record_index, attempt, cause)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (run_id, key) DO NOTHING
                """)
            .Text(1, e.RunId).Text(2, e.Key).Int(3, e.At.ToUnixMs()).Text(4, e.Level.ToWire()).Text(5, e.Stage.ToWire())
            .Text(6, Truncate(e.Message, 2000)).Int(7, e.Page).Int(8, e.Skip).Text(9, e.RawKey).Int(10, e.RecordIndex).Int(11, e.Attempt)
            .Text(12, e.Cause is null ? null : Truncate(e.Cause, 200)).Run();
    }, ct);

    public async Task<RunEventPage> ListEventsAsync(string runId, RunEventQuery query, CancellationToken ct)
    {
        var limit = Math.Clamp(query.Limit, 1, 1000);
        long? after = null;
        if (query.PageToken is not null)
            after = long.TryParse(OpaqueToken.Decode(query.PageToken), out var seq) ? seq : throw new FormatException("The page token is not one this store wrote.");
        var items = new List<(long Seq, RunEvent Event)>(limit + 1);
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {EventColumns} FROM run_events
            WHERE run_id = $run AND ($level IS NULL OR level = $level) AND ($stage IS NULL OR stage = $stage) AND ($after IS NULL OR seq > $after)
            ORDER BY seq LIMIT $limit
            """;
        command.With("$run", runId).With("$level", query.Level?.ToWire()).With("$stage", query.Stage?.ToWire())
            .With("$after", after).With("$limit", limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            items.Add((reader.GetInt64(0), new RunEvent
            {
                RunId = reader.GetString(1),
                Key = reader.GetString(2),
                At = SqliteExtensions.FromUnixMs(reader.GetInt64(3)),
                Level = RunEventWire.ParseLevel(reader.GetString(4)),
                Stage = RunEventWire.ParseStage(reader.GetString(5)),
                Message = reader.GetString(6),
                Page = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                Skip = reader.IsDBNull(8) ? null : reader.GetInt32(8),
                RawKey = reader.GetNullableString(9),
                RecordIndex = reader.IsDBNull(10) ? null : reader.GetInt32(10),
                Attempt = reader.IsDBNull(11) ? null : reader.GetInt32(11),
                Cause = reader.GetNullableString(12),
            }));
        }
        var more = items.Count > limit;
        if (more) items.RemoveAt(limit);
        var resume = items.Count == 0 ? null : OpaqueToken.Encode(items[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new RunEventPage(items.Select(i => i.Event).ToList(), more ? resume : null, resume);
    }
}
