using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Core.Caching;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;

namespace Pipeline.Adapters.Local;

/// <summary>
/// Product state, price history and quarantine in SQLite. Prices are kept exactly (decimal text) and as a REAL column
/// for ordering; paging is keyset-based with opaque next/previous tokens.
/// </summary>
public sealed class SqliteProductStore(SqliteDatabase db, TimeProvider? clock = null) : IProductStore, IBulkLoadTarget, IProductChangeFeed
{
    /// <summary>
    /// Runs planning at least this many products are loaded in bulk: into a store holding under a quarter of that load
    /// with all four sort indexes deferred, into a store holding at most twice the load (a catalog's next epoch) with
    /// the two price indexes deferred.
    /// </summary>
    public const long BulkLoadThreshold = 50_000;

    /// <summary>A bulk load with no upsert for this long is ended by the next query (its run failed or was cancelled).</summary>
    public static readonly TimeSpan BulkLoadIdleLimit = TimeSpan.FromSeconds(30);

    private const string SortIndexes = """
        CREATE INDEX IF NOT EXISTS products_title ON products (title_key, id);
        CREATE INDEX IF NOT EXISTS products_price ON products (price_num, id);
        CREATE INDEX IF NOT EXISTS products_category_price ON products (category, price_num, id);
        CREATE INDEX IF NOT EXISTS products_source_title ON products (source, title_key, id);
        """;

    /// <summary>
    /// Memory SQLite's sorter may hold while it builds an index (beyond it, it merges runs from temp files). The builds
    /// run beside the warehouse load at a run's end, where the process peaks: 8 MiB instead of 16 took 15-30 MiB off a
    /// 1M run's peak, and 2 instead of 8 another 20-35 MiB, with index builds no slower
    /// (docs/performance-history.md).
    /// </summary>
    private const int SortMemoryMiB = 2;

    /// <summary>While a bulk load has dropped the indexes, a category list made stale by writes is kept this long.</summary>
    public static readonly TimeSpan CategoriesMinAge = TimeSpan.FromSeconds(5);

    /// <summary>How long a category list is kept at most (for writes by another process on the same file).</summary>
    public static readonly TimeSpan CategoriesMaxAge = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly CategoryCache _categories = new(clock ?? TimeProvider.System, CategoriesMinAge, CategoriesMaxAge);
    private long _lastBulkWrite;
    private volatile bool _bulkLoading;

    public string ProviderName => "Local";

    /// <summary>True while sort indexes are deferred (queries still answer, by scanning).</summary>
    public bool BulkLoading => _bulkLoading;

    /// <summary>
    /// Defers sort indexes for a large run. A run into a store holding under a quarter of it (a first load) defers all
    /// four: a random insert into each per product costs more than one sort of each at the end. A run into a store
    /// holding at most twice its size (the catalog's next epoch) defers the two price indexes: each moved price moves
    /// an entry in both at random pages, which every group commit writes whole; rebuilding both at the end took a 300k
    /// next epoch from 11.7-12.1 s to 4.7-5.0 s plus 0.9-1.0 s (docs/performance-history.md). Title and source indexes stay, as
    /// a next epoch rarely moves them. A store holding more than twice the run keeps every index (a rebuild would read
    /// far more than the run writes).
    /// </summary>
    public Task<bool> BeginBulkLoadAsync(long expectedProducts, CancellationToken ct)
    {
        if (expectedProducts < BulkLoadThreshold) return Task.FromResult(false);
        return db.WriteAsync(session =>
        {
            if (_bulkLoading) return true;
            var held = session.Statement("SELECT count(*) FROM products").ScalarInt64() ?? 0;
            if (held > expectedProducts * 2) return false;
            session.Execute(held * 4 > expectedProducts
                ? "DROP INDEX IF EXISTS products_price; DROP INDEX IF EXISTS products_category_price;"
                : """
                  DROP INDEX IF EXISTS products_title; DROP INDEX IF EXISTS products_price;
                  DROP INDEX IF EXISTS products_category_price; DROP INDEX IF EXISTS products_source_title;
                  """);
            Interlocked.Exchange(ref _lastBulkWrite, _clock.GetTimestamp());
            _bulkLoading = true;
            return true;
        }, ct);
    }

    public async Task EndBulkLoadAsync(CancellationToken ct)
    {
        if (!_bulkLoading) return;
        // One write per index (those not deferred exist already, and their statements do nothing): other writes
        // (counters, the refresh's records) go between them rather than wait for all.
        foreach (var index in SortIndexes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            await db.WriteAsync(session => session.SortWithin(SortMemoryMiB, () => session.Execute(index)), ct).ConfigureAwait(false);
        _bulkLoading = false;
    }

    /// <summary>A bulk load whose run stopped writing (failed, cancelled) must not leave queries scanning.</summary>
    private Task EndIdleBulkLoadAsync(CancellationToken ct) =>
        _bulkLoading && _clock.GetElapsedTime(Interlocked.Read(ref _lastBulkWrite)) > BulkLoadIdleLimit ? EndBulkLoadAsync(ct) : Task.CompletedTask;

    public Task EnsureCreatedAsync(CancellationToken ct) => db.WriteAsync(session =>
    {
        session.Execute(Schema);
        // Stores written before the change feed existed get its columns (their rows sit at position 0: they existed
        // before any position a refresh will load up to).
        foreach (var (table, column) in new[] { ("products", "change_seq"), ("price_observations", "change_seq"), ("products", "created_seq") })
            if (session.Statement($"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = '{column}'").ScalarInt64() == 0)
                session.Execute($"ALTER TABLE {table} ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0");
        // And before lineage was kept: null (unknown) for what they hold.
        foreach (var (table, column) in new[] { ("products", "raw_key TEXT"), ("products", "record_index INTEGER"), ("price_observations", "raw_key TEXT") })
            if (session.Statement($"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = '{column.Split(' ')[0]}'").ScalarInt64() == 0)
                session.Execute($"ALTER TABLE {table} ADD COLUMN {column}");
        // Older stores also had an index on observed_at that no query read: it cost a
        // B-tree insert per observation, so it goes.
        session.Execute("""
            CREATE INDEX IF NOT EXISTS price_observations_change ON price_observations (change_seq);
            INSERT INTO change_feed (id, position) VALUES (1, 0) ON CONFLICT DO NOTHING;
            DROP INDEX IF EXISTS price_observations_time;
            """);
    }, ct);

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS products (
            id TEXT PRIMARY KEY, source TEXT NOT NULL, source_id TEXT NOT NULL, title TEXT NOT NULL, title_key TEXT NOT NULL,
            description TEXT, category TEXT NOT NULL, brand TEXT, price TEXT NOT NULL, price_num REAL NOT NULL,
            discount TEXT, rating TEXT, stock INTEGER, availability TEXT, tags TEXT NOT NULL, sku TEXT, thumbnail TEXT,
            content_hash TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, last_changed INTEGER NOT NULL,
            last_run_id TEXT, change_seq INTEGER NOT NULL DEFAULT 0, created_seq INTEGER NOT NULL DEFAULT 0, raw_key TEXT,
            record_index INTEGER) WITHOUT ROWID;
        """ + SortIndexes + """
        CREATE TABLE IF NOT EXISTS price_observations (
            product_id TEXT NOT NULL, run_id TEXT NOT NULL, price TEXT NOT NULL, previous_price TEXT, observed_at INTEGER NOT NULL,
            change_seq INTEGER NOT NULL DEFAULT 0, raw_key TEXT, PRIMARY KEY (product_id, run_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS rejections (
            raw_key TEXT NOT NULL, record_index INTEGER NOT NULL, run_id TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT,
            reason TEXT NOT NULL, rejected_at INTEGER NOT NULL, PRIMARY KEY (raw_key, record_index)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS rejections_run ON rejections (run_id, rejected_at);
        CREATE TABLE IF NOT EXISTS change_feed (id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS feed_consumers (consumer TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS product_seen (id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL, last_run_id TEXT NOT NULL) WITHOUT ROWID;
        """;

    public async Task<UpsertOutcome> UpsertAsync(IReadOnlyList<Product> products, string runId, DateTimeOffset observedAt, CancellationToken ct)
    {
        if (products.Count == 0) return new UpsertOutcome(0, 0, 0);
        // The writer's thread is what every page waits for: text is formatted and encoded to UTF-8 here, on the
        // caller's thread (binding strings made the writer transcode and allocate ~16 values a product).
        var rows = new ProductRow[products.Count];
        for (var i = 0; i < rows.Length; i++) rows[i] = new ProductRow(products[i]);
        var run = new Utf8Values(runId);
        var observed = observedAt.ToUnixMs();
        if (_bulkLoading) Interlocked.Exchange(ref _lastBulkWrite, _clock.GetTimestamp());
        var (outcome, categoriesMoved) = await db.WriteAsync(session => Upsert(session, rows, run, observed), ct).ConfigureAwait(false);
        // After the commit (the write's task completes then): a list read from now on sees the write.
        if (categoriesMoved) _categories.Invalidate();
        return outcome;
    }

    /// <summary>A product's text columns as the store writes them, in UTF-8; <see cref="Text"/> is indexed by the constants below.</summary>
    private readonly struct ProductRow(Product product)
    {
        public const int Id = 0, Source = 1, SourceId = 2, Title = 3, TitleKey = 4, Description = 5, Category = 6, Brand = 7,
            Price = 8, Discount = 9, Rating = 10, Availability = 11, Tags = 12, Sku = 13, Thumbnail = 14, ContentHash = 15, RawKey = 16;

        public Product Product { get; } = product;

        public Utf8Values Text { get; } = new(product.Id, product.Source, product.SourceId, product.Title, product.Title.ToLowerInvariant(),
            product.Description, product.Category, product.Brand, Dec(product.Price), Dec(product.DiscountPercentage), Dec(product.Rating),
            product.Availability, product.Tags.Count == 0 ? "[]" : JsonSerializer.Serialize(product.Tags.ToList(), CoreJsonContext.Default.ListString),
            product.Sku, product.Thumbnail, product.ContentHash, product.RawKey);
    }

    private const string AdvanceFeedSql = "UPDATE change_feed SET position = position + 1 WHERE id = 1 RETURNING position";
    /// <summary>
    /// The stored row, and the latest time the product was seen (its row's, or its sighting's when later): a product
    /// observed before that is older than what the store holds (a replayed page, a late re-delivery) and changes nothing.
    /// </summary>
    private const string SelectSql = """
        SELECT p.content_hash, p.price, p.title_key, p.category, max(p.last_seen, coalesce(s.last_seen, 0))
        FROM products p LEFT JOIN product_seen s USING (id) WHERE p.id = ?1
        """;
    /// <summary>
    /// An unchanged product is only marked seen, in the narrow <c>product_seen</c> table: rewriting its whole row in
    /// <c>products</c> (~500 B) dirtied a page per product, which made a run of a mostly unchanged catalog write most of
    /// the table to the WAL again. Reads take the later of the two (see <see cref="ProductColumns"/>).
    /// </summary>
    private const string TouchSql = """
        INSERT INTO product_seen (id, last_seen, last_run_id) VALUES (?1, ?2, ?3)
        ON CONFLICT(id) DO UPDATE SET last_run_id = CASE WHEN excluded.last_seen >= last_seen THEN excluded.last_run_id ELSE last_run_id END,
            last_seen = max(last_seen, excluded.last_seen)
        """;
    private const string WriteSql = """
        INSERT INTO products (id, source, source_id, title, title_key, description, category, brand, price, price_num, discount,
            rating, stock, availability, tags, sku, thumbnail, content_hash, first_seen, last_seen, last_changed, last_run_id, change_seq,
            created_seq, raw_key, record_index)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?19, ?20, ?21, ?21, ?22, ?23)
        ON CONFLICT(id) DO UPDATE SET title = excluded.title, title_key = excluded.title_key, description = excluded.description,
            category = excluded.category, brand = excluded.brand, price = excluded.price, price_num = excluded.price_num,
            discount = excluded.discount, rating = excluded.rating, stock = excluded.stock, availability = excluded.availability,
            tags = excluded.tags, sku = excluded.sku, thumbnail = excluded.thumbnail, content_hash = excluded.content_hash,
            last_seen = max(last_seen, excluded.last_seen), last_changed = excluded.last_changed, last_run_id = excluded.last_run_id,
            change_seq = excluded.change_seq, raw_key = excluded.raw_key, record_index = excluded.record_index
        """;
    /// <summary>
    /// A changed product whose sort keys (title, category) stayed: SQLite maintains an index on UPDATE only when the
    /// statement assigns one of its columns, whatever the values, so this leaves the title indexes alone. Bound like
    /// <see cref="WriteSql"/> (the parameters it does not name are simply unused).
    /// </summary>
    private const string UpdatePriceSql = """
        UPDATE products SET title = ?4, description = ?6, brand = ?8, price = ?9, price_num = ?10, discount = ?11, rating = ?12,
            stock = ?13, availability = ?14, tags = ?15, sku = ?16, thumbnail = ?17, content_hash = ?18,
            last_seen = max(last_seen, ?19), last_changed = ?19, last_run_id = ?20, change_seq = ?21, raw_key = ?22, record_index = ?23
        WHERE id = ?1
        """;

    /// <summary>As <see cref="UpdatePriceSql"/> when the price stayed too (stock, rating, text): no index is touched.</summary>
    private const string UpdateContentSql = """
        UPDATE products SET title = ?4, description = ?6, brand = ?8, price = ?9, discount = ?11, rating = ?12,
            stock = ?13, availability = ?14, tags = ?15, sku = ?16, thumbnail = ?17, content_hash = ?18,
            last_seen = max(last_seen, ?19), last_changed = ?19, last_run_id = ?20, change_seq = ?21, raw_key = ?22, record_index = ?23
        WHERE id = ?1
        """;

    private const string ObserveSql = """
        INSERT INTO price_observations (product_id, run_id, price, previous_price, observed_at, change_seq, raw_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT(product_id, run_id) DO NOTHING
        """;

    /// <summary>The write; <c>CategoriesMoved</c> when a product was added or its category (or title) changed.</summary>
    private static (UpsertOutcome Outcome, bool CategoriesMoved) Upsert(SqliteWriteSession session, ProductRow[] rows, Utf8Values run, long observed)
    {
        int upserted = 0, unchanged = 0, priceChanges = 0;
        var categoriesMoved = false;
        long position = 0;
        foreach (var row in rows)
        {
            var product = row.Product;
            var text = row.Text;
            // What the stored row holds, compared as the stored bytes: a string is made only for a price that moved.
            bool sameContent = false, sameSortKeys = false, priceChanged = false;
            string? oldPrice = null;
            var select = session.Statement(SelectSql).Text(1, text, ProductRow.Id);
            var isNew = !select.Step();
            if (!isNew && select.GetInt64(4) > observed)
            {
                // Older than what the store holds: nothing to apply (counted unchanged).
                select.Done();
                unchanged++;
                continue;
            }
            if (!isNew)
            {
                sameContent = select.TextEquals(0, text[ProductRow.ContentHash]);
                if (!sameContent)
                {
                    if (!select.TextEquals(1, text[ProductRow.Price]))
                    {
                        oldPrice = select.GetText(1)!;
                        priceChanged = decimal.Parse(oldPrice, CultureInfo.InvariantCulture) != product.Price;
                    }
                    sameSortKeys = select.TextEquals(2, text[ProductRow.TitleKey]) && select.TextEquals(3, text[ProductRow.Category]);
                }
            }
            select.Done();
            if (sameContent)
            {
                session.Statement(TouchSql).Text(1, text, ProductRow.Id).Int(2, observed).Text(3, run, 0).Run();
                unchanged++;
                continue;
            }
            // One feed position for all the changes of this write.
            if (position == 0) position = session.Statement(AdvanceFeedSql).ScalarInt64()!.Value;
            categoriesMoved |= isNew || !sameSortKeys;
            var sql = isNew || !sameSortKeys ? WriteSql
                : priceChanged ? UpdatePriceSql
                : UpdateContentSql;
            session.Statement(sql)
                .Text(1, text, ProductRow.Id).Text(2, text, ProductRow.Source).Text(3, text, ProductRow.SourceId).Text(4, text, ProductRow.Title)
                .Text(5, text, ProductRow.TitleKey).Text(6, text, ProductRow.Description).Text(7, text, ProductRow.Category)
                .Text(8, text, ProductRow.Brand).Text(9, text, ProductRow.Price).Real(10, (double)product.Price)
                .Text(11, text, ProductRow.Discount).Text(12, text, ProductRow.Rating).Int(13, product.Stock)
                .Text(14, text, ProductRow.Availability).Text(15, text, ProductRow.Tags).Text(16, text, ProductRow.Sku)
                .Text(17, text, ProductRow.Thumbnail).Text(18, text, ProductRow.ContentHash).Int(19, observed).Text(20, run, 0)
                .Int(21, position).Text(22, text, ProductRow.RawKey).Int(23, product.RecordIndex)
                .Run();
            upserted++;

            if (isNew || priceChanged)
            {
                session.Statement(ObserveSql).Text(1, text, ProductRow.Id).Text(2, run, 0).Text(3, text, ProductRow.Price).Text(4, oldPrice)
                    .Int(5, observed).Int(6, position).Text(7, text, ProductRow.RawKey).Run();
                if (priceChanged) priceChanges++;
            }
        }
        return (new UpsertOutcome(upserted, unchanged, priceChanges), categoriesMoved);
    }

    private static string? Dec(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The columns <see cref="ReadProduct"/> reads, <c>FROM</c> <see cref="ProductRows"/>. Last seen and last run come from
    /// the product's row (written with its content) or from <c>product_seen</c> (written when it came unchanged),
    /// whichever is later; the row's run on a tie.
    /// </summary>
    private const string ProductColumns =
        "id, source, source_id, title, description, category, brand, price, discount, rating, stock, availability, tags, sku, thumbnail, " +
        "content_hash, first_seen, max(p.last_seen, coalesce(s.last_seen, 0)), last_changed, " +
        "CASE WHEN s.last_seen > p.last_seen THEN s.last_run_id ELSE p.last_run_id END, price_num, title_key, raw_key, record_index";

    /// <summary>The products with their sightings: one lookup of <c>product_seen</c> per row.</summary>
    private const string ProductRows = "products p LEFT JOIN product_seen s USING (id)";

    private static Product ReadProduct(SqliteDataReader r) => new()
    {
        Source = r.GetString(1),
        SourceId = r.GetString(2),
        Title = r.GetString(3),
        Description = r.GetNullableString(4),
        Category = r.GetString(5),
        Brand = r.GetNullableString(6),
        Price = decimal.Parse(r.GetString(7), CultureInfo.InvariantCulture),
        DiscountPercentage = r.IsDBNull(8) ? null : decimal.Parse(r.GetString(8), CultureInfo.InvariantCulture),
        Rating = r.IsDBNull(9) ? null : decimal.Parse(r.GetString(9), CultureInfo.InvariantCulture),
        Stock = r.IsDBNull(10) ? null : r.GetInt32(10),
        Availability = r.GetNullableString(11),
        Tags = r.GetString(12) is "[]" ? [] : JsonSerializer.Deserialize(r.GetString(12), CoreJsonContext.Default.ListString) ?? [],
        Sku = r.GetNullableString(13),
        Thumbnail = r.GetNullableString(14),
        ContentHash = r.GetString(15),
        FirstSeen = SqliteExtensions.FromUnixMs(r.GetInt64(16)),
        LastSeen = SqliteExtensions.FromUnixMs(r.GetInt64(17)),
        LastChanged = SqliteExtensions.FromUnixMs(r.GetInt64(18)),
        LastRunId = r.GetNullableString(19),
        RawKey = r.GetNullableString(22),
        RecordIndex = r.IsDBNull(23) ? null : r.GetInt32(23),
    };

    public async Task<Product?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ProductColumns} FROM {ProductRows} WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadProduct(reader) : null;
    }

    public async Task<IReadOnlyList<PricePoint>> GetPriceHistoryAsync(string id, CancellationToken ct)
    {
        var points = new List<PricePoint>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT price, observed_at, run_id, raw_key FROM price_observations WHERE product_id = $id ORDER BY observed_at, run_id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            points.Add(new PricePoint(decimal.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                SqliteExtensions.FromUnixMs(reader.GetInt64(1)), reader.GetString(2), reader.GetNullableString(3)));
        return points;
    }

    public async Task<ProductPage> QueryAsync(ProductQuery query, CancellationToken ct)
    {
        var limit = Math.Clamp(query.Limit, 1, 500);
        var token = PageToken.Decode(query.PageToken, query.Sort);
        var backward = token?.Backward ?? false;
        var (keyColumn, descending) = query.Sort switch
        {
            ProductSort.PriceAscending => ("price_num", false),
            ProductSort.PriceDescending => ("price_num", true),
            _ => ("title_key", false),
        };
        // Walking backwards flips the order; the page is reversed afterwards.
        var scanDescending = descending ^ backward;
        await EndIdleBulkLoadAsync(ct).ConfigureAwait(false);
        var where = new List<string>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        if (query.Source is not null) { where.Add("source = $source"); command.Parameters.AddWithValue("$source", query.Source); }
        if (query.Category is not null) { where.Add("category = $category"); command.Parameters.AddWithValue("$category", query.Category); }
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            where.Add("title_key LIKE $q ESCAPE '\\'");
            var escaped = query.Search.Trim().ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
            command.Parameters.AddWithValue("$q", $"%{escaped}%");
        }
        if (token is not null)
        {
            where.Add($"({keyColumn}, id) {(scanDescending ? "<" : ">")} ($k, $i)");
            command.Parameters.AddWithValue("$k", keyColumn == "price_num" ? double.Parse(token.Key, CultureInfo.InvariantCulture) : token.Key);
            command.Parameters.AddWithValue("$i", token.Id);
        }
        var direction = scanDescending ? "DESC" : "ASC";
        command.CommandText = $"SELECT {ProductColumns} FROM {ProductRows}" +
                              (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                              $" ORDER BY {keyColumn} {direction}, id {direction} LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit + 1);

        var rows = new List<(Product Product, string Key)>();
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var key = keyColumn == "price_num"
                    ? reader.GetDouble(20).ToString("R", CultureInfo.InvariantCulture)
                    : reader.GetString(21);
                rows.Add((ReadProduct(reader), key));
            }
        }
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        if (backward) rows.Reverse();
        if (rows.Count == 0) return new ProductPage([], null, null);

        // Forward: a next page exists when we over-read; a previous one whenever we came from a token.
        // Backward: a previous page exists when we over-read; a next one always (we came from it).
        var hasNext = backward ? true : more;
        var hasPrevious = backward ? more : token is not null;
        var next = hasNext ? new PageToken(query.Sort, rows[^1].Key, rows[^1].Product.Id, false).Encode() : null;
        var previous = hasPrevious ? new PageToken(query.Sort, rows[0].Key, rows[0].Product.Id, true).Encode() : null;
        return new ProductPage(rows.Select(r => r.Product).ToList(), next, previous);
    }

    /// <summary>A source with at most this many products lists its categories from its own rows (one lookup each).</summary>
    private const long SmallSourceProducts = 20_000;

    /// <summary>
    /// Every category: a scan of the category index (20-30 ms at 300,000 products). A source's: from its rows when it is
    /// small; otherwise each category is kept when one of its products is the source's (the first row of a category
    /// usually answers: 30 ms at 300,000 instead of 1.7 s reading the source's rows). The lists are cached besides
    /// (<see cref="CategoryCache"/>): read again after this store added a product or changed a category (during a bulk
    /// load, whose reads scan the table, at most once per <see cref="CategoriesMinAge"/>).
    /// </summary>
    public Task<IReadOnlyList<string>> ListCategoriesAsync(string? source, CancellationToken ct) =>
        _categories.GetAsync(source, _bulkLoading, token => ReadCategoriesAsync(source, token), ct);

    private async Task<IReadOnlyList<string>> ReadCategoriesAsync(string? source, CancellationToken ct)
    {
        var categories = new List<string>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.With("$source", source);
        if (source is null)
            command.CommandText = "SELECT DISTINCT category FROM products ORDER BY category";
        else
        {
            command.CommandText = "SELECT count(*) FROM products WHERE source = $source";
            var held = _bulkLoading ? 0 : (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false) ?? 0L);
            // "+p.source": the category index finds the rows; the source index would read all of the source's.
            command.CommandText = held <= SmallSourceProducts
                ? "SELECT DISTINCT category FROM products WHERE source = $source ORDER BY category"
                : """
                  SELECT c.category FROM (SELECT DISTINCT category FROM products) c
                  WHERE EXISTS (SELECT 1 FROM products p WHERE p.category = c.category AND +p.source = $source) ORDER BY c.category
                  """;
        }
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) categories.Add(reader.GetString(0));
        return categories;
    }

    public IAsyncEnumerable<Product> ScanAsync(CancellationToken ct) =>
        ReadRowsAsync($"SELECT {ProductColumns} FROM {ProductRows} ORDER BY id", _ => { }, ReadProduct, ct);

    public IAsyncEnumerable<PriceObservation> ScanPriceObservationsAsync(CancellationToken ct) =>
        ReadRowsAsync($"SELECT {ObservationColumns} FROM price_observations ORDER BY product_id, observed_at", _ => { }, ReadObservation, ct);

    public Task AddRejectionsAsync(IReadOnlyList<Rejection> rejections, CancellationToken ct)
    {
        if (rejections.Count == 0) return Task.CompletedTask;
        return db.WriteAsync(session =>
        {
            foreach (var r in rejections)
                session.Statement("""
                        INSERT INTO rejections (raw_key, record_index, run_id, source, source_id, reason, rejected_at)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                        ON CONFLICT(raw_key, record_index) DO NOTHING
                        """)
                    .Text(1, r.RawKey).Int(2, r.RecordIndex ?? -1).Text(3, r.RunId).Text(4, r.Source).Text(5, r.SourceId)
                    .Text(6, r.Reason).Int(7, r.RejectedAt.ToUnixMs())
                    .Run();
        }, ct);
    }

    public async Task<long> CurrentPositionAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce((SELECT position FROM change_feed WHERE id = 1), 0)";
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    public async Task<long?> GetConsumerPositionAsync(string consumer, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT position FROM feed_consumers WHERE consumer = $c";
        command.With("$c", consumer);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as long?;
    }

    public Task SetConsumerPositionAsync(string consumer, long position, CancellationToken ct) => db.WriteAsync(session =>
        session.Statement("INSERT INTO feed_consumers (consumer, position) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET position = excluded.position")
            .Text(1, consumer).Int(2, position).Run(), ct);

    /// <summary>
    /// Every product first written at or before <paramref name="upTo"/> whose content changed after
    /// <paramref name="after"/>, at its current state: a product that changes again while a refresh reads is loaded at
    /// its newer state (and again by the next refresh), never left out; a product first written after
    /// <paramref name="upTo"/> waits for the next refresh. So the products loaded are exactly those the store held at
    /// <paramref name="upTo"/> (<see cref="CountsAtAsync"/>).
    /// </summary>
    public IAsyncEnumerable<Product> ScanChangedAsync(long after, long upTo, CancellationToken ct) =>
        ReadRowsAsync($"SELECT {WarehouseColumns} FROM products WHERE change_seq > $after AND created_seq <= $upTo ORDER BY id",
            c => c.With("$after", after).With("$upTo", upTo), ReadWarehouseProduct, ct);

    public Task<IReadOnlyList<SourceCounts>> CountsAsync(CancellationToken ct) => CountBySourceAsync(null, ct);

    public Task<IReadOnlyList<SourceCounts>> CountsAtAsync(long position, CancellationToken ct) => CountBySourceAsync(position, ct);

    /// <summary>
    /// Products and observations per source, all or those written at or before <paramref name="position"/>, read in one
    /// snapshot. An observation's source is its product id's prefix (<c>source:sourceId</c>).
    /// </summary>
    private async Task<IReadOnlyList<SourceCounts>> CountBySourceAsync(long? position, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: true);
        var counts = new SortedDictionary<string, (long Products, long Observations)>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT source, count(*) FROM products WHERE $p IS NULL OR created_seq <= $p GROUP BY source";
            command.With("$p", position);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) counts[reader.GetString(0)] = (reader.GetInt64(1), 0);
        }
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                SELECT substr(product_id, 1, instr(product_id, ':') - 1) AS source, count(*) FROM price_observations
                WHERE $p IS NULL OR change_seq <= $p GROUP BY 1
                """;
            command.With("$p", position);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var source = reader.GetString(0);
                counts[source] = (counts.GetValueOrDefault(source).Products, reader.GetInt64(1));
            }
        }
        return counts.Select(c => new SourceCounts(c.Key, c.Value.Products, c.Value.Observations)).ToList();
    }

    /// <summary>
    /// The columns the warehouses load (docs/metrics.md), which is all the change feed hands over: reading a product's
    /// description, tags, SKU, thumbnail and sightings too cost a 1M-product refresh's scan 9.1 CPU-µs a product instead of 3.1-4.2.
    /// </summary>
    private const string WarehouseColumns =
        "source, source_id, title, category, brand, price, rating, stock, availability, content_hash, last_changed";

    private static Product ReadWarehouseProduct(SqliteDataReader r) => new()
    {
        Source = r.GetString(0),
        SourceId = r.GetString(1),
        Title = r.GetString(2),
        Category = r.GetString(3),
        Brand = r.GetNullableString(4),
        Price = decimal.Parse(r.GetString(5), CultureInfo.InvariantCulture),
        Rating = r.IsDBNull(6) ? null : decimal.Parse(r.GetString(6), CultureInfo.InvariantCulture),
        Stock = r.IsDBNull(7) ? null : r.GetInt32(7),
        Availability = r.GetNullableString(8),
        ContentHash = r.GetString(9),
        LastChanged = SqliteExtensions.FromUnixMs(r.GetInt64(10)),
    };

    /// <summary>
    /// The observations added after <paramref name="after"/>: through the change_seq index, or, when everything from the
    /// start is asked for (a first load), in key order through the table itself (NOT INDEXED), which reads it
    /// sequentially instead of looking up each row of a range that covers the whole table (1M rows: 2.4-2.5 s → 1.6 s).
    /// </summary>
    public IAsyncEnumerable<PriceObservation> ScanObservationsAddedAsync(long after, long upTo, CancellationToken ct) =>
        ReadRowsAsync($"SELECT {ObservationColumns} FROM price_observations {(after < 0 ? "NOT INDEXED" : "")} " +
                      "WHERE change_seq > $after AND change_seq <= $upTo",
            c => c.With("$after", after).With("$upTo", upTo), ReadObservation, ct);

    /// <summary>Streams the rows of one query, read on a connection of its own.</summary>
    private async IAsyncEnumerable<T> ReadRowsAsync<T>(
        string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> read, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) yield return read(reader);
    }

    private const string ObservationColumns = "product_id, price, observed_at, run_id, previous_price";

    private static PriceObservation ReadObservation(SqliteDataReader reader) =>
        new(reader.GetString(0), decimal.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
            SqliteExtensions.FromUnixMs(reader.GetInt64(2)), reader.GetString(3))
        {
            PreviousPrice = reader.IsDBNull(4) ? null : decimal.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
        };

    public async Task<IReadOnlyList<string>> ListRejectedPagesAsync(string runId, CancellationToken ct)
    {
        var keys = new List<string>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT raw_key FROM rejections WHERE run_id = $run AND record_index = -1 ORDER BY raw_key";
        command.With("$run", runId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) keys.Add(reader.GetString(0));
        return keys;
    }

    public async Task<IReadOnlyList<Rejection>> ListRejectionsAsync(string? runId, int limit, CancellationToken ct)
    {
        var list = new List<Rejection>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT raw_key, record_index, run_id, source, source_id, reason, rejected_at FROM rejections
            WHERE ($run IS NULL OR run_id = $run) ORDER BY rejected_at DESC, raw_key, record_index LIMIT $limit
            """;
        command.With("$run", runId).With("$limit", Math.Clamp(limit, 1, 10_000));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            list.Add(new Rejection
            {
                RawKey = reader.GetString(0),
                RecordIndex = reader.GetInt32(1) < 0 ? null : reader.GetInt32(1),
                RunId = reader.GetString(2),
                Source = reader.GetString(3),
                SourceId = reader.GetNullableString(4),
                Reason = reader.GetString(5),
                RejectedAt = SqliteExtensions.FromUnixMs(reader.GetInt64(6)),
            });
        return list;
    }

    public async Task<long> CountAsync(string? source, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM products WHERE ($source IS NULL OR source = $source)";
        command.With("$source", source);
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }
}
