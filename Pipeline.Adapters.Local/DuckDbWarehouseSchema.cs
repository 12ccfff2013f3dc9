using DuckDB.NET.Data;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The DuckDB warehouse's tables (docs/metrics.md) and their migration from the first version. No primary keys: the
/// load merges by key itself (<see cref="DuckDbWarehouseLoad"/>), which keeps it free of ART index maintenance and
/// its memory. Prices are DECIMAL(18,9): nine decimal places like BigQuery NUMERIC, stored in 64 bits (the parser
/// accepts prices 0..1e8 and ratings 0..5; a value of 1e9 or more does not fit and fails the load). Strings unique per
/// row (ids, titles, hashes) are stored uncompressed: DuckDB's analysis of FSST and dictionary compression for them cost
/// more CPU than the rest of a load's writes together, for little space (low-cardinality strings keep automatic
/// compression).
/// </summary>
internal static class DuckDbWarehouseSchema
{
    /// <summary>
    /// The version this code writes; 1 was the first, primary-keyed DECIMAL(38,9) schema without price_changes, 2 had
    /// no price_latest and price_changes_pending.
    /// </summary>
    public const int Version = 3;

    public const string Products = """
        CREATE TABLE IF NOT EXISTS products (
            product_id VARCHAR NOT NULL USING COMPRESSION uncompressed, source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL USING COMPRESSION uncompressed, title VARCHAR NOT NULL USING COMPRESSION uncompressed,
            category VARCHAR NOT NULL, brand VARCHAR, price DECIMAL(18,9) NOT NULL, rating DECIMAL(18,9), stock BIGINT,
            availability VARCHAR, content_hash VARCHAR NOT NULL USING COMPRESSION uncompressed, last_changed TIMESTAMP NOT NULL,
            refresh_id VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL);
        """;

    public const string PriceObservations = """
        CREATE TABLE IF NOT EXISTS price_observations (
            product_id VARCHAR NOT NULL USING COMPRESSION uncompressed, source VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
            price DECIMAL(18,9) NOT NULL, previous_price DECIMAL(18,9), observed_at TIMESTAMP NOT NULL);
        """;

    /// <summary>
    /// Every price change (docs/metrics.md, "Price changes"), computed by the load from the observations: one row per
    /// observation whose price differs from the same product's previous observation (by observed_at, run_id).
    /// </summary>
    public const string PriceChanges = """
        CREATE TABLE IF NOT EXISTS price_changes (
            product_id VARCHAR NOT NULL USING COMPRESSION uncompressed, source VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
            old_price DECIMAL(18,9) NOT NULL, new_price DECIMAL(18,9) NOT NULL, change_pct DECIMAL(18,2) NOT NULL,
            observed_at TIMESTAMP NOT NULL);
        """;

    /// <summary>
    /// Each product's latest observation (by observed_at, run_id): what a load needs to compute the change a new
    /// observation makes without reading the product's history. Kept by the load in the transaction of each chunk.
    /// </summary>
    public const string PriceLatest = """
        CREATE TABLE IF NOT EXISTS price_latest (
            product_id VARCHAR NOT NULL USING COMPRESSION uncompressed, source VARCHAR NOT NULL, price DECIMAL(18,9) NOT NULL,
            observed_at TIMESTAMP NOT NULL, run_id VARCHAR NOT NULL);
        """;

    /// <summary>Products whose changes must be recomputed from their whole history (they got an out-of-order observation).</summary>
    public const string PriceChangesPending = "CREATE TABLE IF NOT EXISTS price_changes_pending (product_id VARCHAR NOT NULL);";

    private const string SchemaVersion = "CREATE TABLE IF NOT EXISTS warehouse_schema (version INTEGER NOT NULL);";

    /// <summary>Creates the tables, or migrates a file of an earlier version.</summary>
    public static async Task EnsureAsync(DuckDBConnection connection, CancellationToken ct)
    {
        var hasVersion = await ScalarAsync(connection,
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'warehouse_schema'", ct) > 0;
        var hasProducts = await ScalarAsync(connection,
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'products'", ct) > 0;
        if (!hasProducts)
        {
            await ExecuteAsync(connection, Products + PriceObservations + PriceChanges + PriceLatest + PriceChangesPending + SchemaVersion + $"""
                INSERT INTO warehouse_schema SELECT {Version} WHERE NOT EXISTS (SELECT 1 FROM warehouse_schema);
                """, ct).ConfigureAwait(false);
            return;
        }
        if (!hasVersion) await InTransactionAsync(connection, () => ExecuteAsync(connection, MigrateFromVersion1, ct), ct).ConfigureAwait(false);
        if (await ScalarAsync(connection, "SELECT max(version) FROM warehouse_schema", ct).ConfigureAwait(false) < 3)
            await InTransactionAsync(connection, () => ExecuteAsync(connection, MigrateFromVersion2, ct), ct).ConfigureAwait(false);
    }

    /// <summary>Version 1: copy into the new tables (observations in time order); the changes come with version 3's marks.</summary>
    private static string MigrateFromVersion1 => $"""
        ALTER TABLE products RENAME TO products_v1;
        ALTER TABLE price_observations RENAME TO price_observations_v1;
        {Products}
        {PriceObservations}
        {PriceChanges}
        {SchemaVersion}
        INSERT INTO products SELECT * FROM products_v1 ORDER BY product_id;
        INSERT INTO price_observations SELECT product_id, source, run_id, price, previous_price, observed_at
            FROM price_observations_v1 ORDER BY observed_at, run_id, product_id;
        DROP TABLE products_v1;
        DROP TABLE price_observations_v1;
        INSERT INTO warehouse_schema VALUES (2);
        """;

    /// <summary>
    /// Version 2: the tables of each product's latest price and of the products to recompute, with every product marked.
    /// A version-2 load committed observations before their changes, so a file whose load failed part way lacks changes
    /// (the loss this version fixes): the next load recomputes every product's changes and latest price from its
    /// history, a bucket at a time, as it does for any marked product. Nothing here works on more than the product ids.
    /// </summary>
    private static string MigrateFromVersion2 => $"""
        {PriceLatest}
        {PriceChangesPending}
        INSERT INTO price_changes_pending SELECT DISTINCT product_id FROM price_observations;
        UPDATE warehouse_schema SET version = 3;
        """;

    /// <summary>Runs <paramref name="work"/> in one transaction on <paramref name="connection"/>, rolled back if it fails.</summary>
    public static async Task InTransactionAsync(DuckDBConnection connection, Func<Task> work, CancellationToken ct)
    {
        await ExecuteAsync(connection, "BEGIN TRANSACTION", ct).ConfigureAwait(false);
        try
        {
            await work().ConfigureAwait(false);
            await ExecuteAsync(connection, "COMMIT", ct).ConfigureAwait(false);
        }
        catch
        {
            await RollbackAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Rolls back the open transaction, if the failure left one (a failed COMMIT leaves none).</summary>
    public static async Task RollbackAsync(DuckDBConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, "ROLLBACK", CancellationToken.None).ConfigureAwait(false);
        }
        catch (DuckDBException)
        {
            // No transaction was active: nothing to undo.
        }
    }

    public static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    public static async Task<long> ScalarAsync(DuckDBConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
