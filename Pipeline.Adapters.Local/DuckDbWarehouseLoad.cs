using DuckDB.NET.Data;
using Pipeline.Core.Domain;

namespace Pipeline.Adapters.Local;

/// <summary>
/// One load of the DuckDB warehouse on its own connection, in bounded chunks so that its memory does not grow with the
/// catalog or with the warehouse:
/// <list type="number">
/// <item>products: into an empty table they are appended straight to it, one transaction per <c>chunkRows</c>
/// rows, and rows of duplicate ids after the first removed at the end (a check over the ids; normally there are
/// none); otherwise they are appended to a staging table and merged every <c>chunkRows</c> rows, each chunk in one
/// transaction (delete the staged ids, insert the staged rows; the first of duplicate ids within a chunk wins, across
/// chunks the later chunk);</item>
/// <item>observations: staged and merged every <c>chunkRows</c> rows, each chunk in one transaction that inserts the
/// rows whose (product_id, run_id) is not there yet, <b>and</b> the price changes they make, <b>and</b> moves each
/// product's latest observation (price_latest) on. A new observation later than its product's latest one (the normal
/// case: runs of a source never overlap) gets its change from that latest price, with a window over the chunk's rows
/// alone; a product that got an observation earlier than its latest (an out-of-order load) is marked in
/// price_changes_pending in the same transaction, and its changes are recomputed from its whole history at the end,
/// a bucket of products per transaction, each bucket clearing its marks as it commits.</item>
/// </list>
/// So every observation and the change it makes commit together, a load that fails part way leaves whole chunks
/// behind, and the next load (which sees the same rows again) inserts what is missing and finishes what is pending:
/// nothing is lost or counted twice, whatever step failed. No statement works on more than a chunk's rows (plus the
/// scans that find a chunk's keys), so the memory a load needs is bounded by <c>chunkRows</c>, not by the tables.
/// Every transaction is followed by a checkpoint (<see cref="CheckpointAsync"/>): DuckDB keeps committed rows that are
/// not checkpointed in memory outside its memory_limit, so without them a load's memory grew with its size.
/// What a concurrent reader sees: each chunk or bucket commits atomically, so a product is either at its old or its
/// new state, never missing or twice, and an observation is there once or not at all, with its change (during a first
/// load into an empty warehouse: the product rows appended so far, and rows of duplicate input ids until the load
/// removes them).
/// </summary>
internal sealed class DuckDbWarehouseLoad(DuckDBConnection connection, int chunkRows, string refreshId, DateTime loadedAt)
{
    /// <summary>The change rows (price_changes' columns) of the observations in <paramref name="relation"/>.</summary>
    internal static string ChangesOf(string relation) => $"""
        SELECT product_id, source, run_id, old_price, price AS new_price,
               round(CAST((price - old_price) / old_price * 100 AS DECIMAL(38,9)), 2) AS change_pct, observed_at
        FROM (SELECT product_id, source, run_id, price, observed_at,
                     lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
              FROM {relation})
        WHERE old_price IS NOT NULL AND old_price <> 0 AND price <> old_price
        """;

    /// <summary>Each product's latest observation (by observed_at, run_id) among the rows of <paramref name="relation"/>.</summary>
    internal static string LatestOf(string relation) => $"""
        SELECT product_id, source, price, observed_at, run_id FROM {relation}
        QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY observed_at DESC, run_id DESC) = 1
        """;

    /// <summary>
    /// The staging tables, made anew for each chunk: rows deleted from a DuckDB table keep their storage, so a staging
    /// table emptied by DELETE grew with the load (10M observations in one load ran out of memory).
    /// </summary>
    private const string StagedProducts = """
        CREATE OR REPLACE TEMP TABLE stg_products (
            product_id VARCHAR, source VARCHAR, source_id VARCHAR, title VARCHAR, category VARCHAR, brand VARCHAR,
            price DECIMAL(18,9), rating DECIMAL(18,9), stock BIGINT, availability VARCHAR, content_hash VARCHAR,
            last_changed TIMESTAMP);
        """;

    private const string StagedObservations = """
        CREATE OR REPLACE TEMP TABLE stg_price_observations (
            product_id VARCHAR, source VARCHAR, run_id VARCHAR, price DECIMAL(18,9), previous_price DECIMAL(18,9),
            observed_at TIMESTAMP);
        """;

    public async Task<WarehouseLoadResult> RunAsync(
        IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        await ExecuteAsync(StagedProducts + StagedObservations, ct).ConfigureAwait(false);
        try
        {
            var productsLoaded = await IsEmptyAsync("products", ct).ConfigureAwait(false)
                ? await BulkLoadProductsAsync(products, ct).ConfigureAwait(false)
                : await LoadProductsAsync(products, ct).ConfigureAwait(false);
            // What an earlier load that failed part way, or a migration, left marked first: the chunks below compute a
            // new observation's change from its product's latest price, which a marked product may not have yet.
            await RecomputePendingChangesAsync(ct).ConfigureAwait(false);
            var inserted = await LoadObservationsAsync(observations, ct).ConfigureAwait(false);
            await RecomputePendingChangesAsync(ct).ConfigureAwait(false);
            return new WarehouseLoadResult(productsLoaded, inserted);
        }
        finally
        {
            await ExecuteAsync("""
                DROP TABLE IF EXISTS stg_products; DROP TABLE IF EXISTS stg_price_observations; DROP TABLE IF EXISTS stg_new;
                DROP TABLE IF EXISTS stg_prev; DROP TABLE IF EXISTS stg_late; DROP TABLE IF EXISTS stg_bucket;
                """, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<bool> IsEmptyAsync(string table, CancellationToken ct) =>
        await ScalarAsync($"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)", ct).ConfigureAwait(false) == 0;

    private static IDuckDBAppenderRow AppendProduct(DuckDBAppender appender, Product p) =>
        appender.CreateRow()
            .AppendValue(p.Id).AppendValue(p.Source).AppendValue(p.SourceId).AppendValue(p.Title)
            .AppendValue(p.Category).AppendValue(p.Brand).AppendValue(p.Price).AppendValue(p.Rating)
            .AppendValue(p.Stock is { } stock ? (long?)stock : null).AppendValue(p.Availability).AppendValue(p.ContentHash)
            .AppendValue(p.LastChanged.UtcDateTime);

    private static IDuckDBAppenderRow AppendObservation(DuckDBAppender appender, PriceObservation o) =>
        appender.CreateRow()
            .AppendValue(o.ProductId).AppendValue(o.Source).AppendValue(o.RunId).AppendValue(o.Price)
            .AppendValue(o.PreviousPrice).AppendValue(o.ObservedAt.UtcDateTime);

    /// <summary>
    /// The first load into an empty table: appended straight to it, one transaction per chunk, then the rows of
    /// duplicate keys after the first removed (a check over the keys; normally there are none).
    /// </summary>
    private async Task<long> BulkLoadProductsAsync(IAsyncEnumerable<Product> products, CancellationToken ct)
    {
        var count = await AppendInChunksAsync(products, "products",
            (appender, p) => AppendProduct(appender, p).AppendValue(refreshId).AppendValue(loadedAt).EndRow(), ct).ConfigureAwait(false);
        return count - await RemoveDuplicatesAsync("products", "product_id", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends to <paramref name="table"/>, committing and checkpointing every <c>chunkRows</c> rows: DuckDB holds a
    /// transaction's appended rows outside its memory_limit until the commit, and committed rows until a checkpoint
    /// (<see cref="CheckpointAsync"/>), so the two together bound the load's memory.
    /// </summary>
    private async Task<long> AppendInChunksAsync<T>(IAsyncEnumerable<T> rows, string table, Action<DuckDBAppender, T> append, CancellationToken ct)
    {
        long count = 0;
        await using var enumerator = rows.GetAsyncEnumerator(ct);
        var more = await enumerator.MoveNextAsync().ConfigureAwait(false);
        while (more)
        {
            await InTransactionAsync(async () =>
            {
                using var appender = connection.CreateAppender(table);
                var staged = 0;
                while (more && staged < chunkRows)
                {
                    append(appender, enumerator.Current);
                    staged++;
                    more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                }
                count += staged;
            }, ct).ConfigureAwait(false);
        }
        return count;
    }

    /// <summary>Deletes all but the first row of each duplicated key (a check over the keys; nothing to do normally).</summary>
    private async Task<long> RemoveDuplicatesAsync(string table, string key, CancellationToken ct)
    {
        // Grouped by the keys' 64-bit hash first (8 bytes a row instead of the key's text: 10M observations fit the
        // grouping under a 64MB memory_limit): equal keys have equal hashes, so no repeated hash means no duplicate. A
        // repeated hash (a duplicate, or rarely two keys sharing a hash) is checked on the keys themselves.
        if (await ScalarAsync($"SELECT count(*) FROM (SELECT hash({key}) AS h FROM {table} GROUP BY h HAVING count(*) > 1)", ct)
                .ConfigureAwait(false) == 0)
            return 0;
        var duplicates = await ScalarAsync($"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)", ct)
            .ConfigureAwait(false);
        if (duplicates == 0) return 0;
        long removed = 0;
        await InTransactionAsync(async () => removed = await ExecuteAsync($"""
            DELETE FROM {table} WHERE rowid IN (
                SELECT rowid FROM {table} QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY rowid) > 1)
            """, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        return removed;
    }

    private async Task<long> LoadProductsAsync(IAsyncEnumerable<Product> products, CancellationToken ct)
    {
        long merged = 0;
        var staged = 0;
        DuckDBAppender? appender = null;
        try
        {
            await foreach (var p in products.WithCancellation(ct).ConfigureAwait(false))
            {
                appender ??= connection.CreateAppender("stg_products");
                AppendProduct(appender, p).EndRow();
                if (++staged < chunkRows) continue;
                appender.Dispose();
                appender = null;
                merged += await MergeProductsAsync(ct).ConfigureAwait(false);
                staged = 0;
            }
        }
        finally
        {
            appender?.Dispose();
        }
        if (staged > 0) merged += await MergeProductsAsync(ct).ConfigureAwait(false);
        return merged;
    }

    private async Task<long> MergeProductsAsync(CancellationToken ct)
    {
        long inserted = 0;
        await InTransactionAsync(async () =>
        {
            await ExecuteAsync("DELETE FROM products WHERE product_id IN (SELECT product_id FROM stg_products)", ct).ConfigureAwait(false);
            var unique = await ScalarAsync("SELECT count(*) FROM (SELECT product_id FROM stg_products GROUP BY ALL HAVING count(*) > 1)", ct)
                .ConfigureAwait(false) == 0;
            inserted = await ExecuteAsync($"""
                INSERT INTO products
                SELECT product_id, source, source_id, title, category, brand, price, rating, stock, availability, content_hash,
                       last_changed, $refresh_id, $loaded_at
                FROM stg_products {(unique ? "" : "QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY rowid) = 1")}
                """, ct, ("refresh_id", refreshId), ("loaded_at", loadedAt)).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        await ExecuteAsync(StagedProducts, ct).ConfigureAwait(false);
        return inserted;
    }

    private async Task<long> LoadObservationsAsync(IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        long inserted = 0;
        var staged = 0;
        DuckDBAppender? appender = null;
        try
        {
            await foreach (var o in observations.WithCancellation(ct).ConfigureAwait(false))
            {
                appender ??= connection.CreateAppender("stg_price_observations");
                AppendObservation(appender, o).EndRow();
                if (++staged < chunkRows) continue;
                appender.Dispose();
                appender = null;
                inserted += await MergeObservationsAsync(ct).ConfigureAwait(false);
                staged = 0;
            }
        }
        finally
        {
            appender?.Dispose();
        }
        if (staged > 0) inserted += await MergeObservationsAsync(ct).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>
    /// One chunk of observations, in one transaction: the staged rows not there yet (the first of duplicate keys within
    /// the chunk), their price changes, and their products' latest observations. The keys already present are found by
    /// an inner join, which DuckDB builds on the (small) staging side and probes with a scan of price_observations that
    /// the staged keys' min/max prune (a new run's id lies outside the range of most row groups').
    /// </summary>
    private async Task<long> MergeObservationsAsync(CancellationToken ct)
    {
        long inserted = 0;
        await InTransactionAsync(async () =>
        {
            await ExecuteAsync("""
                CREATE OR REPLACE TEMP TABLE stg_new AS
                SELECT s.product_id, s.source, s.run_id, s.price, s.previous_price, s.observed_at
                FROM stg_price_observations s
                ANTI JOIN (SELECT s.rowid AS r FROM stg_price_observations s
                           JOIN price_observations o ON o.product_id = s.product_id AND o.run_id = s.run_id) d ON d.r = s.rowid
                QUALIFY row_number() OVER (PARTITION BY s.product_id, s.run_id ORDER BY s.rowid) = 1;
                """, ct).ConfigureAwait(false);
            inserted = await ExecuteAsync("INSERT INTO price_observations SELECT * FROM stg_new", ct).ConfigureAwait(false);
            if (inserted == 0) return;
            foreach (var statement in ChunkChangesSql) await ExecuteAsync(statement, ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        await ExecuteAsync(StagedObservations + "DROP TABLE IF EXISTS stg_new; DROP TABLE IF EXISTS stg_prev; DROP TABLE IF EXISTS stg_late;", ct)
            .ConfigureAwait(false);
        return inserted;
    }

    /// <summary>
    /// A chunk's changes and latest observations, after its new observations are in stg_new: the products' latest
    /// observations so far (stg_prev), those that got an observation earlier than it (stg_late: marked pending), the
    /// changes of the others from a window over the chunk's rows and their latest, then the new latest of each.
    /// </summary>
    private static readonly string[] ChunkChangesSql =
    [
        "CREATE OR REPLACE TEMP TABLE stg_prev AS SELECT l.* FROM price_latest l SEMI JOIN stg_new n ON n.product_id = l.product_id",
        """
        CREATE OR REPLACE TEMP TABLE stg_late AS
        SELECT DISTINCT n.product_id FROM stg_new n JOIN stg_prev p ON p.product_id = n.product_id
        WHERE (n.observed_at, n.run_id) <= (p.observed_at, p.run_id)
        """,
        "INSERT INTO price_changes_pending SELECT product_id FROM stg_late",
        """
        INSERT INTO price_changes
        SELECT product_id, source, run_id, old_price, price,
               round(CAST((price - old_price) / old_price * 100 AS DECIMAL(38,9)), 2), observed_at
        FROM (SELECT product_id, source, run_id, price, observed_at, is_new,
                     lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
              FROM (SELECT product_id, source, run_id, price, observed_at, true AS is_new FROM stg_new
                    UNION ALL
                    SELECT product_id, source, run_id, price, observed_at, false FROM stg_prev)
              WHERE product_id NOT IN (SELECT product_id FROM stg_late))
        WHERE is_new AND old_price IS NOT NULL AND old_price <> 0 AND price <> old_price
        ORDER BY observed_at, product_id
        """,
        "DELETE FROM price_latest WHERE product_id IN (SELECT product_id FROM stg_prev)",
        $"""
        INSERT INTO price_latest {LatestOf("(SELECT product_id, source, run_id, price, observed_at FROM stg_new UNION ALL SELECT product_id, source, run_id, price, observed_at FROM stg_prev)")}
        """,
    ];

    /// <summary>
    /// Recomputes, from their whole histories, the changes of the products marked in price_changes_pending (they got an
    /// observation earlier than their latest one), a bucket of products holding about <c>chunkRows</c> observations per
    /// transaction; each bucket's transaction also clears its marks, so a failure leaves the rest marked for the next load.
    /// </summary>
    private async Task RecomputePendingChangesAsync(CancellationToken ct)
    {
        var pending = await ScalarAsync("SELECT count(DISTINCT product_id) FROM price_changes_pending", ct).ConfigureAwait(false);
        if (pending == 0) return;
        var observations = await ScalarAsync("SELECT count(*) FROM price_observations", ct).ConfigureAwait(false);
        var products = Math.Max(1, await ScalarAsync("SELECT count(*) FROM price_latest", ct).ConfigureAwait(false));
        var perBucket = Math.Max(1, (long)chunkRows * products / Math.Max(1, observations));
        while (await ScalarAsync("SELECT count(*) FROM (SELECT 1 FROM price_changes_pending LIMIT 1)", ct).ConfigureAwait(false) > 0)
        {
            await InTransactionAsync(async () =>
            {
                await ExecuteAsync($"""
                    CREATE OR REPLACE TEMP TABLE stg_bucket AS
                    SELECT DISTINCT product_id FROM price_changes_pending ORDER BY product_id LIMIT {perBucket};
                    DELETE FROM price_changes WHERE product_id IN (SELECT product_id FROM stg_bucket);
                    INSERT INTO price_changes
                    {ChangesOf("(SELECT o.product_id, o.source, o.run_id, o.price, o.observed_at FROM price_observations o SEMI JOIN stg_bucket b ON b.product_id = o.product_id)")}
                    ORDER BY observed_at, product_id;
                    DELETE FROM price_latest WHERE product_id IN (SELECT product_id FROM stg_bucket);
                    INSERT INTO price_latest {LatestOf("(SELECT o.product_id, o.source, o.run_id, o.price, o.observed_at FROM price_observations o SEMI JOIN stg_bucket b ON b.product_id = o.product_id)")};
                    DELETE FROM price_changes_pending WHERE product_id IN (SELECT product_id FROM stg_bucket);
                    """, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        await ExecuteAsync("DROP TABLE IF EXISTS stg_bucket", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes what the last commit put in the WAL into the database file. DuckDB keeps committed rows that are not
    /// checkpointed yet in memory outside its <c>memory_limit</c> (a 1M-product load grew the process by ~220 MiB under
    /// any limit); once checkpointed they are ordinary blocks the buffer manager evicts under the limit, so a load's
    /// memory stays bounded whatever its size. DuckDB documents that a checkpoint fails while other transactions run
    /// (1.5.6 runs it beside an open read transaction, whose snapshot stays intact: tested); if one is refused, the next
    /// chunk's checkpoint (or DuckDB's automatic one) writes both.
    /// </summary>
    private async Task CheckpointAsync(CancellationToken ct)
    {
        try
        {
            await ExecuteAsync("CHECKPOINT", ct).ConfigureAwait(false);
        }
        catch (DuckDBException ex) when (ex.Message.Contains("transaction", StringComparison.OrdinalIgnoreCase))
        {
            // Refused because of another transaction: the next checkpoint writes this chunk too.
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, then checkpoints what it committed.</summary>
    private async Task InTransactionAsync(Func<Task> work, CancellationToken ct)
    {
        await DuckDbWarehouseSchema.InTransactionAsync(connection, work, ct).ConfigureAwait(false);
        await CheckpointAsync(ct).ConfigureAwait(false);
    }

    private async Task<long> ExecuteAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        foreach (var (name, value) in parameters) command.Parameters.Add(new DuckDBParameter(name, value));
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private Task<long> ScalarAsync(string sql, CancellationToken ct) => DuckDbWarehouseSchema.ScalarAsync(connection, sql, ct);
}
