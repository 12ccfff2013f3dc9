using DuckDB.NET.Data;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// One load of the DuckDB warehouse on its own connection, in bounded chunks so that its memory does not grow with the
/// catalog:
/// <list type="number">
/// <item>products: into an empty table they are appended straight to it, one transaction per <c>chunkRows</c>
/// rows, and rows of duplicate ids after the first removed at the end (a check over the ids; normally there are
/// none); otherwise they are appended to a staging table and merged every <c>chunkRows</c> rows, each chunk in one
/// transaction (delete the staged ids, insert the staged rows; the first of duplicate ids within a chunk wins, across
/// chunks the later chunk);</item>
/// <item>observations likewise (straight into an empty table, else staged): only rows whose (product_id, run_id) is not
/// there yet are inserted, and their products are remembered;</item>
/// <item>then the price changes of every product that got a new observation are recomputed from its whole history
/// (lag over observed_at, run_id), in buckets of products holding about 4 × <c>chunkRows</c> observations, one
/// transaction per bucket. Recomputing whole histories keeps price_changes right in whatever order loads and
/// observations come, and makes a repeated load change nothing.</item>
/// </list>
/// Every transaction is followed by a checkpoint (<see cref="CheckpointAsync"/>): DuckDB keeps committed rows that are
/// not checkpointed in memory outside its memory_limit, so without them a load's memory grew with its size.
/// What a concurrent reader sees: each chunk or bucket commits atomically, so a product is either at its old or its
/// new state, never missing or twice, and an observation is there once or not at all (during a first load into an
/// empty warehouse: the rows appended so far, and rows of duplicate input keys until the load removes them). While a
/// load runs some products may already be at the new refresh and others not; new observations are visible (price history) before the changes
/// they make (price changes, biggest moves), which follow at the end of the load, bucket by bucket.
/// </summary>
internal sealed class DuckDbWarehouseLoad(DuckDBConnection connection, int chunkRows, string refreshId, DateTime loadedAt)
{
    /// <summary>Buckets of the change recomputation hold about this many chunks of observations.</summary>
    private const int BucketChunks = 4;

    /// <summary>The change rows (price_changes' columns) of the observations in <paramref name="relation"/>.</summary>
    internal static string ChangesOf(string relation) => $"""
        SELECT product_id, source, run_id, old_price, price AS new_price,
               round(CAST((price - old_price) / old_price * 100 AS DECIMAL(38,9)), 2) AS change_pct, observed_at
        FROM (SELECT product_id, source, run_id, price, observed_at,
                     lag(price) OVER (PARTITION BY product_id ORDER BY observed_at, run_id) AS old_price
              FROM {relation})
        WHERE old_price IS NOT NULL AND old_price <> 0 AND price <> old_price
        """;

    public async Task<WarehouseLoadResult> RunAsync(
        IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        await ExecuteAsync("""
            CREATE OR REPLACE TEMP TABLE stg_products (
                product_id VARCHAR, source VARCHAR, source_id VARCHAR, title VARCHAR, category VARCHAR, brand VARCHAR,
                price DECIMAL(18,9), rating DECIMAL(18,9), stock BIGINT, availability VARCHAR, content_hash VARCHAR,
                last_changed TIMESTAMP);
            CREATE OR REPLACE TEMP TABLE stg_price_observations (
                product_id VARCHAR, source VARCHAR, run_id VARCHAR, price DECIMAL(18,9), previous_price DECIMAL(18,9),
                observed_at TIMESTAMP);
            CREATE OR REPLACE TEMP TABLE stg_affected (product_id VARCHAR);
            """, ct).ConfigureAwait(false);
        try
        {
            var productsLoaded = await IsEmptyAsync("products", ct).ConfigureAwait(false)
                ? await BulkLoadProductsAsync(products, ct).ConfigureAwait(false)
                : await LoadProductsAsync(products, ct).ConfigureAwait(false);
            long inserted;
            if (await IsEmptyAsync("price_observations", ct).ConfigureAwait(false))
            {
                inserted = await BulkLoadObservationsAsync(observations, ct).ConfigureAwait(false);
                if (inserted > 0) await RecomputeChangesAsync(all: true, ct).ConfigureAwait(false);
            }
            else
            {
                inserted = await LoadObservationsAsync(observations, ct).ConfigureAwait(false);
                if (inserted > 0) await RecomputeChangesAsync(all: false, ct).ConfigureAwait(false);
            }
            return new WarehouseLoadResult(productsLoaded, inserted);
        }
        finally
        {
            await ExecuteAsync("""
                DROP TABLE IF EXISTS stg_products; DROP TABLE IF EXISTS stg_price_observations; DROP TABLE IF EXISTS stg_affected;
                DROP TABLE IF EXISTS stg_seen; DROP TABLE IF EXISTS stg_new; DROP TABLE IF EXISTS stg_changed_products;
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

    private async Task<long> BulkLoadObservationsAsync(IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
    {
        var count = await AppendInChunksAsync(observations, "price_observations", (appender, o) => AppendObservation(appender, o).EndRow(), ct)
            .ConfigureAwait(false);
        return count - await RemoveDuplicatesAsync("price_observations", "product_id, run_id", ct).ConfigureAwait(false);
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
        await ExecuteAsync("DELETE FROM stg_products", ct).ConfigureAwait(false);
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
    /// Inserts the staged observations not there yet. The keys already present are found by an inner join, which
    /// DuckDB builds on the (small) staging side and probes with a scan of price_observations that the staged keys'
    /// min/max prune (a new run's id lies outside the range of most row groups').
    /// </summary>
    private async Task<long> MergeObservationsAsync(CancellationToken ct)
    {
        long inserted = 0;
        await InTransactionAsync(async () =>
        {
            await ExecuteAsync("""
                CREATE OR REPLACE TEMP TABLE stg_seen AS
                SELECT s.rowid AS r FROM stg_price_observations s
                JOIN price_observations o ON o.product_id = s.product_id AND o.run_id = s.run_id;
                CREATE OR REPLACE TEMP TABLE stg_new AS
                SELECT s.product_id, s.source, s.run_id, s.price, s.previous_price, s.observed_at
                FROM stg_price_observations s ANTI JOIN stg_seen d ON d.r = s.rowid
                QUALIFY row_number() OVER (PARTITION BY s.product_id, s.run_id ORDER BY s.rowid) = 1;
                """, ct).ConfigureAwait(false);
            inserted = await ExecuteAsync("INSERT INTO price_observations SELECT * FROM stg_new", ct).ConfigureAwait(false);
            await ExecuteAsync("INSERT INTO stg_affected SELECT DISTINCT product_id FROM stg_new", ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        await ExecuteAsync("DELETE FROM stg_price_observations; DROP TABLE stg_seen; DROP TABLE stg_new;", ct).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>
    /// Recomputes the changes of every product that got a new observation from its whole history; <paramref name="all"/>
    /// when the observations table was empty before this load (every product is new, and any change row is stale).
    /// </summary>
    private async Task RecomputeChangesAsync(bool all, CancellationToken ct)
    {
        var observations = await ScalarAsync("SELECT count(*) FROM price_observations", ct).ConfigureAwait(false);
        long buckets;
        if (all)
        {
            await ExecuteAsync("DELETE FROM price_changes", ct).ConfigureAwait(false);
            buckets = Buckets(observations);
        }
        else
        {
            await ExecuteAsync("CREATE OR REPLACE TEMP TABLE stg_changed_products AS SELECT DISTINCT product_id FROM stg_affected", ct)
                .ConfigureAwait(false);
            var changed = await ScalarAsync("SELECT count(*) FROM stg_changed_products", ct).ConfigureAwait(false);
            var products = await ScalarAsync("SELECT count(*) FROM products", ct).ConfigureAwait(false);
            // The changed products' observations, estimated as their share of all observations.
            buckets = Buckets(observations * changed / Math.Max(1, Math.Max(changed, products)));
        }
        for (var bucket = 0L; bucket < buckets; bucket++)
        {
            var inBucket = buckets == 1 ? "true" : $"hash(product_id) % {buckets} = {bucket}";
            var members = all ? inBucket : $"product_id IN (SELECT product_id FROM stg_changed_products WHERE {inBucket})";
            await InTransactionAsync(async () =>
            {
                if (!all) await ExecuteAsync($"DELETE FROM price_changes WHERE {members}", ct).ConfigureAwait(false);
                await ExecuteAsync($"""
                    INSERT INTO price_changes
                    {ChangesOf($"(SELECT product_id, source, run_id, price, observed_at FROM price_observations WHERE {members})")}
                    ORDER BY observed_at, product_id
                    """, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
    }

    private long Buckets(long rows) => Math.Max(1, (rows + (long)chunkRows * BucketChunks - 1) / ((long)chunkRows * BucketChunks));

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
        await ExecuteAsync("BEGIN TRANSACTION", ct).ConfigureAwait(false);
        try
        {
            await work().ConfigureAwait(false);
            await ExecuteAsync("COMMIT", ct).ConfigureAwait(false);
            await CheckpointAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await DuckDbWarehouseSchema.RollbackAsync(connection).ConfigureAwait(false);
            throw;
        }
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
