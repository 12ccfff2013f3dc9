using System.Globalization;
using System.Text.Json;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Serialization;

namespace Pipeline.Benchmarks;

/// <summary>
/// SQLite's floor for a first load, beside the store doing it: the same rows into the same tables (sort indexes
/// deferred, as a bulk load defers them), through the same writer, bound from bytes encoded beforehand with one prepared
/// statement each, by one caller in writes of 450 products (the size of a 1M run's group commits). What the floor
/// leaves out is what the store adds: the feed position, outcomes, the text encoding on the callers' threads.
/// Layouts the store does not use: products as a rowid table (rows appended in arrival order) with a unique index on
/// the id, instead of a table clustered on the text id (what keys cost); and products split over two files, each with
/// its own writer (what a sharded store's writes would cost, and how far two writers shorten the serial path).
/// </summary>
public static class StoreFloor
{
    private const int WriteSize = 450;

    private const string InsertProduct = """
        INSERT INTO products (id, source, source_id, title, title_key, description, category, brand, price, price_num, discount,
            rating, stock, availability, tags, sku, thumbnail, content_hash, first_seen, last_seen, last_changed, last_run_id, change_seq)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?19, ?20, ?21)
        """;

    private const string InsertObservation =
        "INSERT INTO price_observations (product_id, run_id, price, previous_price, observed_at, change_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

    private const string Lookup = "SELECT content_hash, price, title_key, category FROM products WHERE id = ?1";

    /// <summary>The store's products table as a rowid table; its other tables as the store makes them.</summary>
    private const string RowidProducts = """
        CREATE TABLE products (
            id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, source_id TEXT NOT NULL, title TEXT NOT NULL, title_key TEXT NOT NULL,
            description TEXT, category TEXT NOT NULL, brand TEXT, price TEXT NOT NULL, price_num REAL NOT NULL,
            discount TEXT, rating TEXT, stock INTEGER, availability TEXT, tags TEXT NOT NULL, sku TEXT, thumbnail TEXT,
            content_hash TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, last_changed INTEGER NOT NULL,
            last_run_id TEXT, change_seq INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE price_observations (
            product_id TEXT NOT NULL, run_id TEXT NOT NULL, price TEXT NOT NULL, previous_price TEXT, observed_at INTEGER NOT NULL,
            change_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (product_id, run_id)) WITHOUT ROWID;
        CREATE INDEX price_observations_change ON price_observations (change_seq);
        """;

    /// <param name="use">Told which database the next timed operation writes (its writer's busy time is reported).</param>
    /// <param name="time">Times one operation and adds its row to the report.</param>
    public static async Task RunAsync(string dir, IReadOnlyList<Product> products, DateTimeOffset now, Action<SqliteDatabase> use,
        Func<string, Func<Task<long>>, Task> time)
    {
        var rows = products.Select(p => new Utf8Values(p.Id, p.Source, p.SourceId, p.Title, p.Title.ToLowerInvariant(), p.Description,
            p.Category, p.Brand, Dec(p.Price), Dec(p.DiscountPercentage), Dec(p.Rating), p.Availability,
            p.Tags.Count == 0 ? "[]" : JsonSerializer.Serialize(p.Tags.ToList(), CoreJsonContext.Default.ListString),
            p.Sku, p.Thumbnail, p.ContentHash)).ToArray();
        var run = new Utf8Values("run-1");
        var observed = now.ToUnixTimeMilliseconds();
        var sizes = new List<(string Name, SqliteDatabase Db)>();

        async Task<SqliteDatabase> StoreSchema(string name)
        {
            var db = new SqliteDatabase(Path.Combine(dir, name + ".db"));
            await new SqliteProductStore(db).EnsureCreatedAsync(CancellationToken.None);
            await db.ExecuteAsync("DROP INDEX products_title; DROP INDEX products_price; DROP INDEX products_category_price; " +
                                  "DROP INDEX products_source_title;", CancellationToken.None);
            sizes.Add((name, db));
            use(db);
            return db;
        }
        async Task<SqliteDatabase> RowidSchema(string name)
        {
            var db = new SqliteDatabase(Path.Combine(dir, name + ".db"));
            await db.ExecuteAsync(RowidProducts, CancellationToken.None);
            sizes.Add((name, db));
            use(db);
            return db;
        }
        var everyRow = Enumerable.Range(0, rows.Length).ToArray();
        Task<long> Load(SqliteDatabase db, bool lookup, bool observations) => LoadRows(db, everyRow, lookup, observations);
        async Task<long> LoadRows(SqliteDatabase db, int[] indices, bool lookup, bool observations)
        {
            for (var start = 0; start < indices.Length; start += WriteSize)
            {
                var first = start;
                await db.WriteAsync(session =>
                {
                    for (var k = first; k < Math.Min(first + WriteSize, indices.Length); k++)
                    {
                        var i = indices[k];
                        var t = rows[i];
                        var position = 1 + i / 100;
                        if (lookup)
                        {
                            var select = session.Statement(Lookup).Text(1, t, 0);
                            select.Step();
                            select.Done();
                        }
                        session.Statement(InsertProduct).Text(1, t, 0).Text(2, t, 1).Text(3, t, 2).Text(4, t, 3).Text(5, t, 4)
                            .Text(6, t, 5).Text(7, t, 6).Text(8, t, 7).Text(9, t, 8).Real(10, (double)products[i].Price).Text(11, t, 9)
                            .Text(12, t, 10).Int(13, products[i].Stock).Text(14, t, 11).Text(15, t, 12).Text(16, t, 13).Text(17, t, 14)
                            .Text(18, t, 15).Int(19, observed).Text(20, run, 0).Int(21, position).Run();
                        if (observations)
                            session.Statement(InsertObservation).Text(1, t, 0).Text(2, run, 0).Text(3, t, 8).Text(4, null)
                                .Int(5, observed).Int(6, position).Run();
                    }
                }, CancellationToken.None);
            }
            return indices.Length;
        }

        var productsOnly = await StoreSchema("floor-products");
        await time("floor: product rows only (one caller, writes of 450)", () => Load(productsOnly, lookup: false, observations: false));
        var withObservations = await StoreSchema("floor-observations");
        await time("floor: + an observation row each", () => Load(withObservations, lookup: false, observations: true));
        var withLookup = await StoreSchema("floor-lookup");
        await time("floor: + the lookup (the store's first-load writes, nothing else)", () => Load(withLookup, lookup: true, observations: true));
        var storeDb = await StoreSchema("store");
        var store = new SqliteProductStore(storeDb);
        await time("SqliteProductStore.UpsertAsync, the same products (one caller, writes of 450)", async () =>
        {
            for (var i = 0; i < products.Count; i += WriteSize)
                await store.UpsertAsync(products.Skip(i).Take(WriteSize).ToList(), "run-1", now, CancellationToken.None);
            return products.Count;
        });
        var rowidOnly = await RowidSchema("rowid-products");
        await time("layout not used: products as a rowid table + unique id index, product rows only", () => Load(rowidOnly, lookup: false, observations: false));
        var rowidAll = await RowidSchema("rowid-lookup");
        await time("layout not used: products as a rowid table + unique id index, + observations and lookup", () => Load(rowidAll, lookup: true, observations: true));
        // Products split over two files by a hash of the id, each file with its writer and one caller: what a sharded
        // store's writes would cost, and whether two writers shorten the serial path on this machine's two cores.
        var shards = new[] { await StoreSchema("shard-0"), await StoreSchema("shard-1") };
        var shardRows = Enumerable.Range(0, 2)
            .Select(shard => everyRow.Where(i => (int)((uint)StringComparer.Ordinal.GetHashCode(products[i].Id) % 2) == shard).ToArray()).ToArray();
        await time("layout not used: two files by a hash of the id, a writer and a caller each (+ observations and lookup)", async () =>
        {
            var loads = await Task.WhenAll(Enumerable.Range(0, 2).Select(shard => Task.Run(() => LoadRows(shards[shard], shardRows[shard], lookup: true, observations: true))));
            return loads.Sum();
        });

        foreach (var (name, db) in sizes)
        {
            await using var connection = await db.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"; // the logical size, WAL included
            Console.WriteLine($"{name}.db: {Report.Mb(Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)):N1} MiB");
        }
    }

    private static string? Dec(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);
}
