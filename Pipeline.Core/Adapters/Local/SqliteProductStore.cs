using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// Product state, price history and quarantine in SQLite. Prices are kept exactly (decimal text) and as a REAL column
/// for ordering; paging is keyset-based with opaque next/previous tokens.
/// </summary>
public sealed class SqliteProductStore(SqliteDatabase db) : IProductStore
{
    public string ProviderName => "Local";

    public Task EnsureCreatedAsync(CancellationToken ct) => db.ExecuteAsync("""
        CREATE TABLE IF NOT EXISTS products (
            id TEXT PRIMARY KEY, source TEXT NOT NULL, source_id TEXT NOT NULL, title TEXT NOT NULL, title_key TEXT NOT NULL,
            description TEXT, category TEXT NOT NULL, brand TEXT, price TEXT NOT NULL, price_num REAL NOT NULL,
            discount TEXT, rating TEXT, stock INTEGER, availability TEXT, tags TEXT NOT NULL, sku TEXT, thumbnail TEXT,
            content_hash TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, last_changed INTEGER NOT NULL,
            last_run_id TEXT) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS products_title ON products (title_key, id);
        CREATE INDEX IF NOT EXISTS products_price ON products (price_num, id);
        CREATE INDEX IF NOT EXISTS products_category_price ON products (category, price_num, id);
        CREATE INDEX IF NOT EXISTS products_source_title ON products (source, title_key, id);
        CREATE TABLE IF NOT EXISTS price_observations (
            product_id TEXT NOT NULL, run_id TEXT NOT NULL, price TEXT NOT NULL, previous_price TEXT, observed_at INTEGER NOT NULL,
            PRIMARY KEY (product_id, run_id)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS price_observations_time ON price_observations (observed_at);
        CREATE TABLE IF NOT EXISTS rejections (
            raw_key TEXT NOT NULL, record_index INTEGER NOT NULL, run_id TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT,
            reason TEXT NOT NULL, rejected_at INTEGER NOT NULL, PRIMARY KEY (raw_key, record_index)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS rejections_run ON rejections (run_id, rejected_at);
        """, ct);

    public async Task<UpsertOutcome> UpsertAsync(IReadOnlyList<Product> products, string runId, DateTimeOffset observedAt, CancellationToken ct)
    {
        int upserted = 0, unchanged = 0, priceChanges = 0;
        var observed = observedAt.ToUnixMs();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

        await using var select = connection.CreateCommand();
        select.Transaction = tx;
        select.CommandText = "SELECT content_hash, price FROM products WHERE id = $id";
        var selectId = select.Parameters.Add("$id", SqliteType.Text);

        await using var touch = connection.CreateCommand();
        touch.Transaction = tx;
        touch.CommandText = "UPDATE products SET last_seen = max(last_seen, $seen), last_run_id = $run WHERE id = $id";
        var touchId = touch.Parameters.Add("$id", SqliteType.Text);
        touch.Parameters.AddWithValue("$seen", observed);
        touch.Parameters.AddWithValue("$run", runId);

        await using var write = connection.CreateCommand();
        write.Transaction = tx;
        write.CommandText = """
            INSERT INTO products (id, source, source_id, title, title_key, description, category, brand, price, price_num, discount,
                rating, stock, availability, tags, sku, thumbnail, content_hash, first_seen, last_seen, last_changed, last_run_id)
            VALUES ($id, $source, $source_id, $title, $title_key, $description, $category, $brand, $price, $price_num, $discount,
                $rating, $stock, $availability, $tags, $sku, $thumbnail, $hash, $seen, $seen, $seen, $run)
            ON CONFLICT(id) DO UPDATE SET title = excluded.title, title_key = excluded.title_key, description = excluded.description,
                category = excluded.category, brand = excluded.brand, price = excluded.price, price_num = excluded.price_num,
                discount = excluded.discount, rating = excluded.rating, stock = excluded.stock, availability = excluded.availability,
                tags = excluded.tags, sku = excluded.sku, thumbnail = excluded.thumbnail, content_hash = excluded.content_hash,
                last_seen = max(last_seen, excluded.last_seen), last_changed = excluded.last_changed, last_run_id = excluded.last_run_id
            """;
        string[] names = ["$id", "$source", "$source_id", "$title", "$title_key", "$description", "$category", "$brand", "$price",
            "$price_num", "$discount", "$rating", "$stock", "$availability", "$tags", "$sku", "$thumbnail", "$hash"];
        var p = names.ToDictionary(n => n, n => write.Parameters.Add(n, SqliteType.Text));
        write.Parameters.AddWithValue("$seen", observed);
        write.Parameters.AddWithValue("$run", runId);

        await using var observe = connection.CreateCommand();
        observe.Transaction = tx;
        observe.CommandText = """
            INSERT INTO price_observations (product_id, run_id, price, previous_price, observed_at) VALUES ($id, $run, $price, $prev, $at)
            ON CONFLICT(product_id, run_id) DO NOTHING
            """;
        var oId = observe.Parameters.Add("$id", SqliteType.Text);
        var oPrice = observe.Parameters.Add("$price", SqliteType.Text);
        var oPrev = observe.Parameters.Add("$prev", SqliteType.Text);
        observe.Parameters.AddWithValue("$run", runId);
        observe.Parameters.AddWithValue("$at", observed);

        foreach (var product in products)
        {
            var id = product.Id;
            selectId.Value = id;
            string? oldHash = null, oldPrice = null;
            await using (var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    oldHash = reader.GetString(0);
                    oldPrice = reader.GetString(1);
                }
            }
            if (oldHash == product.ContentHash)
            {
                touchId.Value = id;
                await touch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                unchanged++;
                continue;
            }
            var price = Dec(product.Price)!;
            p["$id"].Value = id;
            p["$source"].Value = product.Source;
            p["$source_id"].Value = product.SourceId;
            p["$title"].Value = product.Title;
            p["$title_key"].Value = product.Title.ToLowerInvariant();
            p["$description"].Value = (object?)product.Description ?? DBNull.Value;
            p["$category"].Value = product.Category;
            p["$brand"].Value = (object?)product.Brand ?? DBNull.Value;
            p["$price"].Value = price;
            p["$price_num"].SqliteType = SqliteType.Real;
            p["$price_num"].Value = (double)product.Price;
            p["$discount"].Value = (object?)Dec(product.DiscountPercentage) ?? DBNull.Value;
            p["$rating"].Value = (object?)Dec(product.Rating) ?? DBNull.Value;
            p["$stock"].SqliteType = SqliteType.Integer;
            p["$stock"].Value = (object?)product.Stock ?? DBNull.Value;
            p["$availability"].Value = (object?)product.Availability ?? DBNull.Value;
            p["$tags"].Value = JsonSerializer.Serialize(product.Tags.ToList(), CoreJsonContext.Default.ListString);
            p["$sku"].Value = (object?)product.Sku ?? DBNull.Value;
            p["$thumbnail"].Value = (object?)product.Thumbnail ?? DBNull.Value;
            p["$hash"].Value = product.ContentHash;
            await write.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            upserted++;

            var isNew = oldHash is null;
            var priceChanged = !isNew && decimal.Parse(oldPrice!, CultureInfo.InvariantCulture) != product.Price;
            if (isNew || priceChanged)
            {
                oId.Value = id;
                oPrice.Value = price;
                oPrev.Value = isNew ? DBNull.Value : oldPrice;
                await observe.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                if (priceChanged) priceChanges++;
            }
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new UpsertOutcome(upserted, unchanged, priceChanges);
    }

    private static string? Dec(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    private const string ProductColumns =
        "id, source, source_id, title, description, category, brand, price, discount, rating, stock, availability, tags, sku, thumbnail, " +
        "content_hash, first_seen, last_seen, last_changed, last_run_id, price_num, title_key";

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
        Tags = JsonSerializer.Deserialize(r.GetString(12), CoreJsonContext.Default.ListString) ?? [],
        Sku = r.GetNullableString(13),
        Thumbnail = r.GetNullableString(14),
        ContentHash = r.GetString(15),
        FirstSeen = SqliteExtensions.FromUnixMs(r.GetInt64(16)),
        LastSeen = SqliteExtensions.FromUnixMs(r.GetInt64(17)),
        LastChanged = SqliteExtensions.FromUnixMs(r.GetInt64(18)),
        LastRunId = r.GetNullableString(19),
    };

    public async Task<Product?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ProductColumns} FROM products WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadProduct(reader) : null;
    }

    public async Task<IReadOnlyList<PricePoint>> GetPriceHistoryAsync(string id, CancellationToken ct)
    {
        var points = new List<PricePoint>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT price, observed_at, run_id FROM price_observations WHERE product_id = $id ORDER BY observed_at, run_id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            points.Add(new PricePoint(decimal.Parse(reader.GetString(0), CultureInfo.InvariantCulture),
                SqliteExtensions.FromUnixMs(reader.GetInt64(1)), reader.GetString(2)));
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
        command.CommandText = $"SELECT {ProductColumns} FROM products" +
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

    public async Task<IReadOnlyList<string>> ListCategoriesAsync(string? source, CancellationToken ct)
    {
        var categories = new List<string>();
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT category FROM products WHERE ($source IS NULL OR source = $source) ORDER BY category";
        command.With("$source", source);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) categories.Add(reader.GetString(0));
        return categories;
    }

    public async IAsyncEnumerable<Product> ScanAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ProductColumns} FROM products ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false)) yield return ReadProduct(reader);
    }

    public async IAsyncEnumerable<PriceObservation> ScanPriceObservationsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT product_id, price, observed_at, run_id, previous_price FROM price_observations ORDER BY product_id, observed_at";
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            yield return new PriceObservation(reader.GetString(0), decimal.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                SqliteExtensions.FromUnixMs(reader.GetInt64(2)), reader.GetString(3))
            {
                PreviousPrice = reader.IsDBNull(4) ? null : decimal.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
            };
    }

    public async Task AddRejectionsAsync(IReadOnlyList<Rejection> rejections, CancellationToken ct)
    {
        if (rejections.Count == 0) return;
        await using var connection = await db.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = """
            INSERT INTO rejections (raw_key, record_index, run_id, source, source_id, reason, rejected_at)
            VALUES ($key, $index, $run, $source, $sid, $reason, $at)
            ON CONFLICT(raw_key, record_index) DO NOTHING
            """;
        foreach (var r in rejections)
        {
            command.Parameters.Clear();
            command.With("$key", r.RawKey).With("$index", r.RecordIndex ?? -1).With("$run", r.RunId).With("$source", r.Source)
                .With("$sid", r.SourceId).With("$reason", r.Reason).With("$at", r.RejectedAt.ToUnixMs());
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
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

/// <summary>An opaque keyset-paging token: base64url of "sort|direction|key|id".</summary>
internal sealed record PageToken(ProductSort Sort, string Key, string Id, bool Backward)
{
    public string Encode() =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{(int)Sort}|{(Backward ? 'b' : 'f')}|{Key}\u001f{Id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Null for no token; throws <see cref="FormatException"/> for a token that is not ours or of another sort.</summary>
    public static PageToken? Decode(string? token, ProductSort sort)
    {
        if (string.IsNullOrEmpty(token)) return null;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var parts = text.Split('|', 3);
            var keyAndId = parts[2].Split('\u001f');
            if (parts.Length != 3 || keyAndId.Length != 2 || parts[0] != ((int)sort).ToString(CultureInfo.InvariantCulture) || parts[1] is not ("f" or "b"))
                throw new FormatException("The page token does not belong to this query.");
            return new PageToken(sort, keyAndId[0], keyAndId[1], parts[1] == "b");
        }
        catch (Exception ex) when (ex is not FormatException)
        {
            throw new FormatException("The page token is not valid.", ex);
        }
    }
}
