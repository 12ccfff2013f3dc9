using System.Text.Json;
using DuckDB.NET.Data;
using Pipeline.Core.Sources;

namespace Pipeline.Benchmarks;

/// <summary>The three ways of doing the transform's reading that are compared: the floor, ours, and DuckDB's.</summary>
public static class TransformWork
{
    private static readonly ParseContext Context = new("dummyjson", "20250101T000000Z-bench000", "raw/bench/page.json", DateTimeOffset.UnixEpoch);

    /// <summary>The floor: every token of the page read once by <see cref="Utf8JsonReader"/>, nothing kept.</summary>
    public static int BarePass(ReadOnlySpan<byte> page)
    {
        var reader = new Utf8JsonReader(page, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        var tokens = 0;
        while (reader.Read()) tokens++;
        return tokens;
    }

    /// <summary>The pipeline's transform: parse, validate and normalise into <c>Product</c>s (content hash included).</summary>
    public static int Parse(ReadOnlySpan<byte> page)
    {
        var result = CatalogPageParser.Parse(page, CatalogFormat.DummyJson, Context);
        if (result.PageError is not null) throw new InvalidOperationException(result.PageError);
        return result.Products.Count;
    }

    /// <summary>
    /// The same clean-up in DuckDB: read_json over the page files with the fields' types, unnest the products, the same
    /// validation predicates, trimmed text, slugs via lower/regexp_replace, availability and a 128-bit content hash of the
    /// same fields (MD5: DuckDB has no XXH128, and MD5 is its cheapest 128-bit hash); materialised into a temporary table.
    /// Returns the number of valid products.
    /// </summary>
    public static long DuckDbCleanUp(DuckDBConnection connection, string glob)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = CleanUpSql(glob);
            command.ExecuteNonQuery();
        }
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM cleaned";
        return Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static DuckDBConnection OpenDuckDb(int threads)
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SET threads = {threads}; SET preserve_insertion_order = true;";
        command.ExecuteNonQuery();
        return connection;
    }

    private const string ProductType =
        "STRUCT(id BIGINT, title VARCHAR, description VARCHAR, category VARCHAR, price DECIMAL(18,6), discountPercentage DECIMAL(18,6), " +
        "rating DECIMAL(18,6), stock INTEGER, tags VARCHAR[], brand VARCHAR, sku VARCHAR, availabilityStatus VARCHAR, thumbnail VARCHAR)";

    public static string CleanUpSql(string glob) => $$"""
        CREATE OR REPLACE TEMP TABLE cleaned AS
        WITH records AS (
            SELECT unnest(products) AS p
            FROM read_json('{{glob.Replace("'", "''", StringComparison.Ordinal)}}', format = 'auto',
                           columns = {products: '{{ProductType}}[]', total: 'INTEGER', skip: 'INTEGER', "limit": 'INTEGER'})),
        shaped AS (
            SELECT CAST(p.id AS VARCHAR) AS source_id, trim(p.title) AS title, trim(p.description) AS description,
                   trim(regexp_replace(lower(replace(replace(p.category, '''', ''), '’', '')), '[^a-z0-9]+', '-', 'g'), '-') AS category,
                   nullif(trim(p.brand), '') AS brand, p.price, p.discountPercentage AS discount, p.rating, p.stock,
                   CASE WHEN nullif(trim(p.availabilityStatus), '') IS NULL THEN (CASE WHEN p.stock = 0 THEN 'out-of-stock' ELSE 'unknown' END)
                        ELSE trim(regexp_replace(lower(replace(replace(p.availabilityStatus, '''', ''), '’', '')), '[^a-z0-9]+', '-', 'g'), '-') END
                       AS availability,
                   coalesce(p.tags, []) AS tags, nullif(trim(p.sku), '') AS sku, nullif(trim(p.thumbnail), '') AS thumbnail
            FROM records
            WHERE p.id > 0 AND p.title IS NOT NULL AND length(trim(p.title)) BETWEEN 1 AND 1000 AND p.category IS NOT NULL
              AND p.price BETWEEN 0 AND 100000000 AND (p.rating IS NULL OR p.rating BETWEEN 0 AND 5)
              AND (p.stock IS NULL OR p.stock >= 0) AND (p.discountPercentage IS NULL OR p.discountPercentage BETWEEN 0 AND 100))
        SELECT 'dummyjson:' || source_id AS id, *,
               md5(concat_ws(chr(31), 'dummyjson', source_id, title, description, category, brand, CAST(price AS VARCHAR),
                   CAST(discount AS VARCHAR), CAST(rating AS VARCHAR), CAST(stock AS VARCHAR), availability,
                   array_to_string(tags, chr(30)), sku, thumbnail)) AS content_hash
        FROM shaped WHERE category <> ''
        """;
}
