using System.Data.Common;
using DuckDB.NET.Data;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// The embedded warehouse on DuckDB, with the same tables and metric definitions as BigQuery (docs/metrics.md).
/// Loads go through staging tables filled by DuckDB's appender, then merge by key, so a repeated load adds nothing.
/// </summary>
public sealed class DuckDbWarehouse : IWarehouse
{
    private readonly string _connectionString;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private volatile bool _schemaReady;

    public DuckDbWarehouse(string path, TimeProvider clock)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = $"Data Source={full}";
        _clock = clock;
    }

    public string ProviderName => "DuckDb";

    private async Task<DuckDBConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS products (
            product_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, title VARCHAR NOT NULL,
            category VARCHAR NOT NULL, brand VARCHAR, price DECIMAL(38,9) NOT NULL, rating DECIMAL(38,9), stock BIGINT,
            availability VARCHAR, content_hash VARCHAR NOT NULL, last_changed TIMESTAMP NOT NULL, refresh_id VARCHAR NOT NULL,
            loaded_at TIMESTAMP NOT NULL);
        CREATE TABLE IF NOT EXISTS price_observations (
            product_id VARCHAR NOT NULL, source VARCHAR NOT NULL, run_id VARCHAR NOT NULL, price DECIMAL(38,9) NOT NULL,
            previous_price DECIMAL(38,9), observed_at TIMESTAMP NOT NULL, PRIMARY KEY (product_id, run_id));
        """;

    public async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (_schemaReady) return;
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await EnsureSchemaOnceAsync(connection, ct).ConfigureAwait(false);
    }

    private async Task EnsureSchemaOnceAsync(DuckDBConnection connection, CancellationToken ct)
    {
        await _writer.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_schemaReady) await ExecuteAsync(connection, Schema, ct).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _writer.Release();
        }
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public async Task<WarehouseLoadResult> LoadAsync(
        string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        await _writer.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(ct).ConfigureAwait(false);
            await ExecuteAsync(connection, Schema + """
                CREATE OR REPLACE TEMP TABLE stg_products AS SELECT * FROM products LIMIT 0;
                CREATE OR REPLACE TEMP TABLE stg_price_observations AS SELECT * FROM price_observations LIMIT 0;
                """, ct).ConfigureAwait(false);
            var loadedAt = _clock.GetUtcNow().UtcDateTime;
            long productCount = 0, observationCount = 0;
            using (var appender = connection.CreateAppender("stg_products"))
            {
                await foreach (var p in products.WithCancellation(ct).ConfigureAwait(false))
                {
                    appender.CreateRow()
                        .AppendValue(p.Id).AppendValue(p.Source).AppendValue(p.SourceId).AppendValue(p.Title)
                        .AppendValue(p.Category).AppendValue(p.Brand).AppendValue(p.Price).AppendValue(p.Rating)
                        .AppendValue(p.Stock is { } stock ? (long?)stock : null).AppendValue(p.Availability).AppendValue(p.ContentHash)
                        .AppendValue(p.LastChanged.UtcDateTime).AppendValue(refreshId).AppendValue(loadedAt)
                        .EndRow();
                    productCount++;
                }
            }
            using (var appender = connection.CreateAppender("stg_price_observations"))
            {
                await foreach (var o in observations.WithCancellation(ct).ConfigureAwait(false))
                {
                    appender.CreateRow()
                        .AppendValue(o.ProductId).AppendValue(o.Source).AppendValue(o.RunId).AppendValue(o.Price)
                        .AppendValue(o.PreviousPrice).AppendValue(o.ObservedAt.UtcDateTime)
                        .EndRow();
                    observationCount++;
                }
            }
            await ExecuteAsync(connection, "BEGIN TRANSACTION", ct).ConfigureAwait(false);
            await ExecuteAsync(connection, "INSERT OR REPLACE INTO products SELECT * FROM stg_products", ct).ConfigureAwait(false);
            long inserted;
            await using (var merge = connection.CreateCommand())
            {
                merge.CommandText = "INSERT OR IGNORE INTO price_observations SELECT * FROM stg_price_observations";
                inserted = await merge.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await ExecuteAsync(connection, "COMMIT; DROP TABLE stg_products; DROP TABLE stg_price_observations;", ct).ConfigureAwait(false);
            observationCount = inserted;
            return new WarehouseLoadResult(productCount, observationCount);
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        // Reads never take the write lock a running load holds: the schema is created once per instance.
        if (!_schemaReady) await EnsureSchemaOnceAsync(connection, ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var list = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) list.Add(map(reader));
        return list;
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

    private static string ChangesSql(string? source, string extraFilter, string order) => $"""
        WITH ordered AS (
            SELECT product_id, price, observed_at, run_id,
                   lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
            FROM price_observations {(source is null ? "" : "WHERE source = $source")}),
        changes AS (
            SELECT o.product_id, p.title, p.category, o.old_price, o.price AS new_price,
                   round(CAST((o.price - o.old_price) / o.old_price * 100 AS DECIMAL(38,9)), 2) AS change_pct, o.observed_at
            FROM ordered o JOIN products p ON p.product_id = o.product_id
            WHERE o.old_price IS NOT NULL AND o.old_price <> o.price AND o.old_price <> 0)
        SELECT product_id, title, category, old_price, new_price, change_pct, observed_at FROM changes
        WHERE true {extraFilter}
        ORDER BY {order} LIMIT $limit
        """;

    private static PriceChange MapChange(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5),
        new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc)));

    /// <summary>
    /// The newest changes. Computing lag() over every observation costs seconds at millions of rows, so the newest
    /// observations are tried first: take the time t of the <see cref="RecentWindow"/>-th newest observation, run the
    /// same lag() over the full history of only the products observed at or after t, and keep changes at or after t.
    /// Every change before t is older than all of those, so when they are at least <paramref name="limit"/> they are the
    /// answer the full query gives; otherwise the full query runs.
    /// </summary>
    public async Task<IReadOnlyList<PriceChange>> PriceChangesAsync(string? source, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 1000);
        void Bind(DbCommand c)
        {
            if (source is not null) Add(c, "source", source);
            Add(c, "limit", limit);
        }
        var recent = await QueryAsync(RecentChangesSql(source), c => { Bind(c); Add(c, "window", RecentWindow(limit)); }, MapChange, ct)
            .ConfigureAwait(false);
        if (recent.Count >= limit) return recent;
        return await QueryAsync(ChangesSql(source, "", "observed_at DESC, product_id"), Bind, MapChange, ct).ConfigureAwait(false);
    }

    /// <summary>How many of the newest observations the first attempt of <see cref="PriceChangesAsync"/> looks at.</summary>
    internal static int RecentWindow(int limit) => Math.Max(10_000, limit * 100);

    private static string RecentChangesSql(string? source) => $"""
        WITH cutoff AS (
            SELECT min(observed_at) AS t FROM (
                SELECT observed_at FROM price_observations {(source is null ? "" : "WHERE source = $source")}
                ORDER BY observed_at DESC LIMIT $window)),
        candidates AS (
            SELECT DISTINCT product_id FROM price_observations
            WHERE observed_at >= (SELECT t FROM cutoff) {(source is null ? "" : "AND source = $source")}),
        ordered AS (
            SELECT product_id, price, observed_at, run_id,
                   lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
            FROM price_observations
            WHERE product_id IN (SELECT product_id FROM candidates) {(source is null ? "" : "AND source = $source")}),
        changes AS (
            SELECT o.product_id, p.title, p.category, o.old_price, o.price AS new_price,
                   CAST(round((o.price - o.old_price) / o.old_price * 100, 2) AS DECIMAL(18,2)) AS change_pct, o.observed_at
            FROM ordered o JOIN products p ON p.product_id = o.product_id
            WHERE o.old_price IS NOT NULL AND o.old_price <> o.price AND o.old_price <> 0
              AND o.observed_at >= (SELECT t FROM cutoff))
        SELECT product_id, title, category, old_price, new_price, change_pct, observed_at FROM changes
        ORDER BY observed_at DESC, product_id LIMIT $limit
        """;

    public async Task<IReadOnlyList<PriceChange>> BiggestMovesAsync(string? source, DateTimeOffset since, bool drops, int limit, CancellationToken ct) =>
        await QueryAsync(ChangesSql(source, $"AND observed_at >= $since AND change_pct {(drops ? "< 0" : "> 0")}",
                drops ? "change_pct ASC, product_id" : "change_pct DESC, product_id"),
            c =>
            {
                if (source is not null) Add(c, "source", source);
                Add(c, "since", since.UtcDateTime);
                Add(c, "limit", Math.Clamp(limit, 1, 1000));
            },
            MapChange, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<PricePoint>> PriceHistoryAsync(string productId, CancellationToken ct) =>
        await QueryAsync("SELECT price, observed_at, run_id FROM price_observations WHERE product_id = $id ORDER BY observed_at, run_id",
            c => Add(c, "id", productId),
            r => new PricePoint(r.GetDecimal(0), new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(1), DateTimeKind.Utc)), r.GetString(2)),
            ct).ConfigureAwait(false);

    public async Task<DateTimeOffset?> AsOfAsync(CancellationToken ct)
    {
        var rows = await QueryAsync("SELECT max(loaded_at) FROM products", _ => { },
            r => r.IsDBNull(0) ? (DateTimeOffset?)null : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(0), DateTimeKind.Utc)), ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }
}
