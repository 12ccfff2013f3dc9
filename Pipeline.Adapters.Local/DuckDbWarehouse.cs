using System.Data.Common;
using DuckDB.NET.Data;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The embedded warehouse on DuckDB, with the same tables and metric definitions as BigQuery (docs/metrics.md), plus a
/// price_changes table the load computes so that the change metrics are a top-N. One database instance stays open
/// for the adapter's lifetime (opened at first use, closed by <see cref="DisposeAsync"/>); every read and every load
/// runs on its own connection to it, so reads never wait for a running load and see only committed data. Loads are
/// chunked (<see cref="DuckDbWarehouseLoad"/>) under the configured <c>memory_limit</c>, one at a time.
/// </summary>
public sealed class DuckDbWarehouse : IWarehouse, IAsyncDisposable, IDisposable
{
    private readonly string _connectionString;
    private readonly string _path;
    private readonly TimeProvider _clock;
    private readonly DuckDbWarehouseOptions _options;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly SemaphoreSlim _releasing = new(1, 1);
    private int _queries;
    private DuckDBConnection? _root;
    private volatile bool _disposed;

    public DuckDbWarehouse(string path, TimeProvider clock, DuckDbWarehouseOptions? options = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = $"Data Source={full}";
        _path = full;
        _clock = clock;
        _options = options ?? new DuckDbWarehouseOptions();
        if (_options.ChunkRows < 1) throw new ArgumentOutOfRangeException(nameof(options), "ChunkRows must be at least 1.");
    }

    public string ProviderName => "DuckDb";

    /// <summary>Opens the database instance once: settings, then the schema (created or migrated).</summary>
    private async ValueTask OpenDatabaseAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _root) is not null) return;
        await _opening.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_root is not null) return;
            var root = new DuckDBConnection(_connectionString);
            try
            {
                try
                {
                    await root.OpenAsync(ct).ConfigureAwait(false);
                }
                catch (DuckDBException ex) when (DuckDbWarehouseException.Explain(ex, _path, _options) is { } explained)
                {
                    throw explained;
                }
                if (!string.IsNullOrWhiteSpace(_options.MemoryLimit))
                    await DuckDbWarehouseSchema.ExecuteAsync(root, $"SET memory_limit = '{MemoryLimit(_options.MemoryLimit)}'", ct).ConfigureAwait(false);
                await DuckDbWarehouseSchema.ExecuteAsync(root, $"SET threads = {_options.EffectiveThreads}", ct).ConfigureAwait(false);
                // Beyond the memory limit DuckDB spills to this folder beside the database file (in the data directory);
                // a cap, when set, makes a load that would need more fail with DuckDB's own message instead of filling the disk.
                await DuckDbWarehouseSchema.ExecuteAsync(root, $"SET temp_directory = '{(_path + ".tmp").Replace("'", "''", StringComparison.Ordinal)}'", ct)
                    .ConfigureAwait(false);
                if (!string.IsNullOrWhiteSpace(_options.MaxTempDirectorySize))
                    await DuckDbWarehouseSchema.ExecuteAsync(root, $"SET max_temp_directory_size = '{MemoryLimit(_options.MaxTempDirectorySize)}'", ct)
                        .ConfigureAwait(false);
                // DuckDB's allocator keeps freed memory for reuse: hand it back after each task, so that a load's peak
                // stays near the memory limit instead of piling up.
                await DuckDbWarehouseSchema.ExecuteAsync(root, "SET allocator_flush_threshold = '16MB'; SET allocator_background_threads = true", ct)
                    .ConfigureAwait(false);
                // DuckDB 1.5's row-group pruner answers ORDER BY … LIMIT wrongly on a table whose rows were deleted after a
                // checkpoint (it counts deleted rows as present and prunes the row groups holding the answer: the
                // cheapest product after an incremental load was a product at its old price far down the list; upstream
                // duckdb#22949, closed in favour of #22911; the 1.5.6 build the package ships still does it). Every load
                // merges by deleting and inserting, so the pruner is off for the whole instance.
                await DuckDbWarehouseSchema.ExecuteAsync(root, "SET GLOBAL disabled_optimizers = 'row_group_pruner'", ct).ConfigureAwait(false);
                await DuckDbWarehouseSchema.EnsureAsync(root, ct).ConfigureAwait(false);
            }
            catch
            {
                await root.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            Volatile.Write(ref _root, root);
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <summary>The configured limit, checked to be a plain size (it is written into SQL).</summary>
    private static string MemoryLimit(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ' '))
            throw new ArgumentException($"MemoryLimit '{value}' is not a size such as 256MB.", nameof(value));
        return trimmed;
    }

    /// <summary>A new connection to the open database instance.</summary>
    private async Task<DuckDBConnection> ConnectAsync(CancellationToken ct)
    {
        await OpenDatabaseAsync(ct).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }

    public async Task EnsureSchemaAsync(CancellationToken ct) => await OpenDatabaseAsync(ct).ConfigureAwait(false);

    /// <summary>
    /// The database instance is open in this process (opened now if it was not): no query, so a busy warehouse (metric
    /// queries from many users, a load) does not make the health check time out.
    /// </summary>
    public async Task PingAsync(CancellationToken ct)
    {
        await OpenDatabaseAsync(ct).ConfigureAwait(false);
        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    public async Task<WarehouseLoadResult> LoadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        await _writer.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var connection = await ConnectAsync(ct).ConfigureAwait(false);
            var load = new DuckDbWarehouseLoad(connection, _options.ChunkRows, refreshId, _clock.GetUtcNow().UtcDateTime);
            // DuckDB's operators keep buffers per thread: a load runs with LoadThreads (one by default), so that its chunks
            // fit the memory limit; the queries get their threads back after it.
            await DuckDbWarehouseSchema.ExecuteAsync(connection, $"SET threads = {_options.LoadThreads}", ct).ConfigureAwait(false);
            try
            {
                return await load.RunAsync(products, observations, ct).ConfigureAwait(false);
            }
            finally
            {
                await DuckDbWarehouseSchema.ExecuteAsync(connection, $"SET threads = {_options.EffectiveThreads}", CancellationToken.None).ConfigureAwait(false);
                await ReleaseMemoryAsync(connection).ConfigureAwait(false);
            }
        }
        catch (DuckDBException ex) when (DuckDbWarehouseException.Explain(ex, _path, _options) is { } explained)
        {
            throw explained;
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken ct)
    {
        // Counted before the gate: a release of memory (ReleaseMemoryAsync) that sees a query running leaves the limit
        // alone, and a query that comes while one is under way waits the moment it takes.
        Interlocked.Increment(ref _queries);
        try
        {
            await _releasing.WaitAsync(ct).ConfigureAwait(false);
            _releasing.Release();
            await using var connection = await ConnectAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            var list = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) list.Add(map(reader));
            return list;
        }
        finally
        {
            Interlocked.Decrement(ref _queries);
        }
    }

    /// <summary>
    /// Hands the buffer pool back after a load: DuckDB keeps the blocks a load touched cached up to its memory limit
    /// (and its allocator keeps what it freed), ~60-70 MiB of resident memory that the rest of the process (the next
    /// run's ingestion) then lacks. Lowering the limit evicts them (they are in the file) and frees the memory; the
    /// limit is set back at once. Skipped while a metric query runs, which could not get memory in that moment.
    /// </summary>
    private async Task ReleaseMemoryAsync(DuckDBConnection connection)
    {
        if (string.IsNullOrWhiteSpace(_options.MemoryLimit)) return;
        await _releasing.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _queries) > 0) return;
            try
            {
                await DuckDbWarehouseSchema.ExecuteAsync(connection, "SET memory_limit = '1MB'", CancellationToken.None).ConfigureAwait(false);
            }
            catch (DuckDBException)
            {
                // Nothing could be evicted (a block still pinned): the memory stays cached, as it would have anyway.
            }
            await DuckDbWarehouseSchema.ExecuteAsync(connection, $"SET memory_limit = '{MemoryLimit(_options.MemoryLimit)}'", CancellationToken.None)
                .ConfigureAwait(false);
        }
        finally
        {
            _releasing.Release();
        }
    }

    private static void Add(DbCommand command, string name, object value) =>
        command.Parameters.Add(new DuckDBParameter(name, value));

    public async Task<IReadOnlyList<CategoryMetric>> TopCategoriesAsync(string? source, int limit, CancellationToken ct) =>
        await QueryAsync($"""
            SELECT category, count(*) AS product_count,
                   round(CAST(avg(price) AS DECIMAL(38,9)), 2), min(price), max(price),
                   round(CAST(avg(rating) AS DECIMAL(38,9)), 2), CAST(coalesce(sum(stock), 0) AS BIGINT)
            FROM products {(source is null ? "" : "WHERE source = $source")}
            GROUP BY category ORDER BY product_count DESC, category LIMIT $limit
            """,
            c => { if (source is not null) Add(c, "source", source); Add(c, "limit", Math.Clamp(limit, 1, 1000)); },
            r => new CategoryMetric(r.GetString(0), r.GetInt64(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4),
                r.IsDBNull(5) ? null : r.GetDecimal(5), r.GetInt64(6)), ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<CheapProduct>> CheapestProductsAsync(string? source, string? category, int limit, CancellationToken ct)
    {
        var filters = new List<string>();
        if (source is not null) filters.Add("source = $source");
        if (category is not null) filters.Add("category = $category");
        return await QueryAsync($"""
            SELECT product_id, title, category, price FROM products
            {(filters.Count == 0 ? "" : "WHERE " + string.Join(" AND ", filters))}
            ORDER BY price, product_id LIMIT $limit
            """,
            c =>
            {
                if (source is not null) Add(c, "source", source);
                if (category is not null) Add(c, "category", category);
                Add(c, "limit", Math.Clamp(limit, 1, 1000));
            },
            r => new CheapProduct(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3)), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The change rows (price_changes, which the load keeps) that pass <paramref name="filter"/>, first
    /// <paramref name="order"/>, joined to their products for title and category. The top <c>$limit</c> rows are taken
    /// before the join, so that DuckDB runs a top-N over price_changes alone (its dynamic filter skips the row groups
    /// whose observed_at range cannot make the top); the join then looks up at most <c>$limit</c> products.
    /// </summary>
    private static string TopChangesSql(string filter, string order) => $"""
        WITH top AS (SELECT * FROM price_changes c WHERE {filter} ORDER BY {order} LIMIT $limit)
        SELECT c.product_id, p.title, p.category, c.old_price, c.new_price, c.change_pct, c.observed_at
        FROM top c JOIN products p ON p.product_id = c.product_id
        ORDER BY {order}
        """;

    /// <summary>The definition's form: join first, then order and limit (used when a change's product is missing).</summary>
    private static string JoinedChangesSql(string filter, string order) => $"""
        SELECT c.product_id, p.title, p.category, c.old_price, c.new_price, c.change_pct, c.observed_at
        FROM price_changes c JOIN products p ON p.product_id = c.product_id
        WHERE {filter}
        ORDER BY {order} LIMIT $limit
        """;

    private static PriceChange MapChange(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5),
        new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc)));

    /// <summary>
    /// Changes through <see cref="TopChangesSql"/>; when that yields fewer than the limit (fewer changes match, or a
    /// change's product is not in products), the join-first form answers instead, as the definition would.
    /// </summary>
    private async Task<IReadOnlyList<PriceChange>> ChangesAsync(string filter, string order, Action<DbCommand> bind, int limit, CancellationToken ct)
    {
        var top = await QueryAsync(TopChangesSql(filter, order), bind, MapChange, ct).ConfigureAwait(false);
        if (top.Count >= limit) return top;
        return await QueryAsync(JoinedChangesSql(filter, order), bind, MapChange, ct).ConfigureAwait(false);
    }

    /// <summary>How far back from the newest change the newest-first query looks first, then wider, then everywhere.</summary>
    private static readonly TimeSpan[] NewestWindows = [TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(30)];

    /// <summary>
    /// The newest changes. The load appends changes in time order, so the newest are in the last row groups; a top-N
    /// over the whole table still reads every row group before its threshold can skip any (at 10M observations, 115 ms
    /// for one source). So it asks first for the changes of the last hour before the newest one (a plain filter, which
    /// skips every older row group: 29 ms), then of the last day and month, then of all time: when a window holds
    /// <c>limit</c> rows, no older row can be among the newest <c>limit</c>.
    /// </summary>
    public async Task<IReadOnlyList<PriceChange>> PriceChangesAsync(string? source, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 1000);
        var filter = source is null ? "true" : "c.source = $source";
        void Bind(DbCommand c)
        {
            if (source is not null) Add(c, "source", source);
            Add(c, "limit", limit);
        }
        var newest = await QueryAsync("SELECT max(observed_at) FROM price_changes", _ => { },
            r => r.IsDBNull(0) ? (DateTime?)null : r.GetDateTime(0), ct).ConfigureAwait(false);
        if (newest is [{ } latest])
        {
            foreach (var window in NewestWindows)
            {
                var within = await QueryAsync(TopChangesSql($"{filter} AND c.observed_at >= $since", "c.observed_at DESC, c.product_id"),
                    c => { Bind(c); Add(c, "since", latest - window); }, MapChange, ct).ConfigureAwait(false);
                if (within.Count >= limit) return within;
            }
        }
        return await ChangesAsync(filter, "c.observed_at DESC, c.product_id", Bind, limit, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<PriceChange>> BiggestMovesAsync(string? source, DateTimeOffset since, bool drops, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 1000);
        var filter = $"c.observed_at >= $since AND c.change_pct {(drops ? "< 0" : "> 0")}{(source is null ? "" : " AND c.source = $source")}";
        return ChangesAsync(filter, drops ? "c.change_pct ASC, c.observed_at DESC, c.product_id" : "c.change_pct DESC, c.observed_at DESC, c.product_id",
            c =>
            {
                if (source is not null) Add(c, "source", source);
                Add(c, "since", since.UtcDateTime);
                Add(c, "limit", limit);
            }, limit, ct);
    }

    /// <summary>
    /// One aggregate over price_changes (every change, not a top-N, so no ORDER BY … LIMIT for the row-group pruner to
    /// answer wrongly): the filter on observed_at lets DuckDB skip the row groups wholly before the window (the load
    /// appends changes in time order), and date_trunc on the UTC timestamps gives the buckets. The window's buckets
    /// without a change are filled in by <see cref="PriceChangeWindow.Summarize"/>.
    /// </summary>
    public async Task<PriceChangeSummary> PriceChangeSummaryAsync(string? source, TimeSpan window, PriceChangeBucket bucket, CancellationToken ct)
    {
        var range = PriceChangeWindow.Ending(_clock.GetUtcNow(), window, bucket);
        var part = bucket == PriceChangeBucket.Hour ? "hour" : "day";
        var counted = await QueryAsync($"""
            SELECT CAST(date_trunc('{part}', observed_at) AS TIMESTAMP) AS bucket_start,
                   count(*) FILTER (WHERE new_price < old_price) AS drops,
                   count(*) FILTER (WHERE new_price > old_price) AS rises
            FROM price_changes
            WHERE observed_at >= $since AND observed_at <= $until{(source is null ? "" : " AND source = $source")}
            GROUP BY bucket_start ORDER BY bucket_start
            """,
            c =>
            {
                if (source is not null) Add(c, "source", source);
                Add(c, "since", range.Start.UtcDateTime);
                Add(c, "until", range.End.UtcDateTime);
            },
            r => new PriceChangeBucketCount(new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc)), r.GetInt64(1), r.GetInt64(2)),
            ct).ConfigureAwait(false);
        return range.Summarize(counted);
    }

    public async Task<IReadOnlyList<PricePoint>> PriceHistoryAsync(string productId, CancellationToken ct) =>
        await QueryAsync("SELECT price, observed_at, run_id FROM price_observations WHERE product_id = $id ORDER BY observed_at, run_id",
            c => Add(c, "id", productId),
            r => new PricePoint(r.GetDecimal(0), new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(1), DateTimeKind.Utc)), r.GetString(2)),
            ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct) =>
        await QueryAsync("""
            SELECT source, sum(products)::BIGINT, sum(observations)::BIGINT FROM (
                SELECT source, count(*) AS products, 0 AS observations FROM products GROUP BY source
                UNION ALL
                SELECT source, 0, count(*) FROM price_observations GROUP BY source)
            GROUP BY source ORDER BY source
            """, _ => { }, r => new SourceCounts(r.GetString(0), r.GetInt64(1), r.GetInt64(2)), ct).ConfigureAwait(false);

    /// <summary>
    /// A character that is not white space, as <see cref="char.IsWhiteSpace(char)"/> and BigQuery's TRIM have it (RE2:
    /// <c>\s</c> is tab, line feed, form feed, carriage return and space; <c>\p{Z}</c> the Unicode separators). DuckDB's
    /// trim() leaves tabs and line breaks, so a blank string is one without such a character.
    /// </summary>
    private const string NotBlank = @"[^\s\x{0B}\x{85}\p{Z}]";

    /// <summary>
    /// One pass over products grouped by (source, product_id), then by source: the rows of each id, whether it is held by
    /// more than one, and its rows with a null or negative price or a null or blank title or category. The table has no
    /// primary key (the load merges by key itself), so a duplicate id is possible in principle; price, title and category
    /// are NOT NULL here, so only a negative price or a blank string can count as the schema stands.
    /// </summary>
    public async Task<IReadOnlyList<WarehouseQuality>> QualityAsync(CancellationToken ct) =>
        await QueryAsync($"""
            SELECT source, sum(id_rows)::BIGINT, count(*) FILTER (WHERE id_rows > 1),
                   sum(invalid_prices)::BIGINT, sum(missing_fields)::BIGINT
            FROM (
                SELECT source, product_id, count(*) AS id_rows,
                       count(*) FILTER (WHERE price IS NULL OR price < 0) AS invalid_prices,
                       count(*) FILTER (WHERE title IS NULL OR NOT regexp_matches(title, '{NotBlank}')
                                           OR category IS NULL OR NOT regexp_matches(category, '{NotBlank}')) AS missing_fields
                FROM products GROUP BY source, product_id)
            GROUP BY source ORDER BY source
            """, _ => { }, r => new WarehouseQuality(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)), ct)
            .ConfigureAwait(false);

    public async Task<DateTimeOffset?> AsOfAsync(CancellationToken ct)
    {
        var rows = await QueryAsync("SELECT max(loaded_at) FROM products", _ => { },
            r => r.IsDBNull(0) ? (DateTimeOffset?)null : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc)), ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Waits for a running load to end, then closes the database instance (DuckDB checkpoints it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writer.WaitAsync().ConfigureAwait(false);
        await _opening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            if (_root is { } root) await root.DisposeAsync().ConfigureAwait(false);
            _root = null;
        }
        finally
        {
            _opening.Release();
            _writer.Release();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _writer.Wait();
        _opening.Wait();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _root?.Dispose();
            _root = null;
        }
        finally
        {
            _opening.Release();
            _writer.Release();
        }
    }
}
