using System.Text;

namespace Pipeline.Adapters.Google;

/// <summary>
/// The GoogleSQL text of the warehouse: the idempotent MERGEs and the metric queries (defined once in docs/metrics.md;
/// the DuckDB warehouse implements the same definitions). Table names are unqualified: queries run with the
/// configured dataset as <c>defaultDataset</c>. Every caller-supplied value is a named parameter.
/// </summary>
internal static class BigQueryWarehouseSql
{
    private static readonly string[] StagedProductColumns =
        BigQueryWarehouseSchema.StagedProductFields.Select(f => f.Name).ToArray();

    private static readonly string[] ObservationColumns =
        BigQueryWarehouseSchema.PriceObservationFields.Select(f => f.Name).ToArray();

    /// <summary>
    /// Upserts the staged products by product_id; refresh_id and loaded_at come from parameters. A product staged twice
    /// is merged once, from its most recently changed row (see <see cref="OneRowPerKey"/>).
    /// </summary>
    public static BigQueryStatement MergeProducts(string stagingTable, string refreshId, DateTimeOffset loadedAt)
    {
        var updates = StagedProductColumns.Where(c => c != "product_id").Select(c => $"{c} = s.{c}")
            .Append("refresh_id = @refresh_id").Append("loaded_at = @loaded_at");
        var sql = $"""
            MERGE INTO `{BigQueryWarehouseSchema.Products}` AS t
            USING {OneRowPerKey(stagingTable, StagedProductColumns, "product_id", "last_changed DESC, content_hash DESC")} AS s
            ON t.product_id = s.product_id
            WHEN MATCHED THEN UPDATE SET
              {string.Join(",\n  ", updates)}
            WHEN NOT MATCHED THEN INSERT ({string.Join(", ", StagedProductColumns)}, refresh_id, loaded_at)
              VALUES ({string.Join(", ", StagedProductColumns.Select(c => "s." + c))}, @refresh_id, @loaded_at)
            """;
        return new BigQueryStatement(sql,
        [
            BigQueryParameter.String("refresh_id", refreshId),
            BigQueryParameter.Timestamp("loaded_at", loadedAt),
        ]);
    }

    /// <summary>
    /// Inserts the staged observations whose (product_id, run_id) is not there yet; never updates. An observation staged
    /// twice is inserted once.
    /// </summary>
    public static BigQueryStatement MergePriceObservations(string stagingTable)
    {
        var sql = $"""
            MERGE INTO `{BigQueryWarehouseSchema.PriceObservations}` AS t
            USING {OneRowPerKey(stagingTable, ObservationColumns, "product_id, run_id", "observed_at DESC, price DESC")} AS s
            ON t.product_id = s.product_id AND t.run_id = s.run_id
            WHEN NOT MATCHED THEN INSERT ({string.Join(", ", ObservationColumns)})
              VALUES ({string.Join(", ", ObservationColumns.Select(c => "s." + c))})
            """;
        return new BigQueryStatement(sql);
    }

    /// <summary>
    /// The staging table with one row per key: the first by <paramref name="orderBy"/> among rows that share
    /// <paramref name="key"/>. The input is a stream that may repeat a key (a re-read page, a product changed while it was
    /// scanned), and a MERGE must see at most one source row per target row: BigQuery fails an UPDATE that matches
    /// several, and inserts each unmatched one. Deduplicating here, not while staging, keeps the load's memory flat.
    /// A derived table with ROW_NUMBER, not QUALIFY or <c>SELECT * EXCEPT</c>, so the statement is plain SQL both in
    /// GoogleSQL and in other engines.
    /// </summary>
    private static string OneRowPerKey(string stagingTable, IReadOnlyList<string> columns, string key, string orderBy) => $"""
        (
          SELECT {string.Join(", ", columns)}
          FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {orderBy}) AS stage_row
            FROM `{stagingTable}`
          )
          WHERE stage_row = 1
        )
        """;

    /// <summary>
    /// Products and price observations per source, sources with neither left out, ordered by source.
    /// </summary>
    public static BigQueryStatement CountsBySource() => new("""
        SELECT source, SUM(product_count) AS product_count, SUM(observation_count) AS observation_count
        FROM (
          SELECT source, COUNT(*) AS product_count, 0 AS observation_count
          FROM `products`
          GROUP BY source
          UNION ALL
          SELECT source, 0 AS product_count, COUNT(*) AS observation_count
          FROM `price_observations`
          GROUP BY source
        )
        GROUP BY source
        ORDER BY source
        """);

    /// <summary>
    /// Per source, sources without products left out, ordered by source: the product rows, the product ids held by more
    /// than one row, the rows whose price is null or negative, and the rows whose title or category is null or blank
    /// after TRIM (which strips Unicode white space, the set the DuckDB warehouse matches). Products are grouped by
    /// (source, product_id) first, so each id is counted once however many rows hold it.
    /// </summary>
    public static BigQueryStatement Quality() => new("""
        SELECT source,
          SUM(id_rows) AS row_count,
          COUNTIF(id_rows > 1) AS duplicate_ids,
          SUM(invalid_prices) AS invalid_prices,
          SUM(missing_fields) AS missing_fields
        FROM (
          SELECT source, product_id,
            COUNT(*) AS id_rows,
            COUNTIF(price IS NULL OR price < 0) AS invalid_prices,
            COUNTIF(title IS NULL OR TRIM(title) = '' OR category IS NULL OR TRIM(category) = '') AS missing_fields
          FROM `products`
          GROUP BY source, product_id
        )
        GROUP BY source
        ORDER BY source
        """);

    public static BigQueryStatement TopCategories(string? source, int limit)
    {
        var parameters = new List<QueryParameter>();
        var sql = new StringBuilder("""
            SELECT category,
              COUNT(*) AS product_count,
              ROUND(AVG(price), 2) AS avg_price,
              MIN(price) AS min_price,
              MAX(price) AS max_price,
              ROUND(AVG(rating), 2) AS avg_rating,
              COALESCE(SUM(stock), 0) AS total_stock
            FROM `products`

            """);
        if (source is not null)
        {
            sql.Append("WHERE source = @source\n");
            parameters.Add(BigQueryParameter.String("source", source));
        }
        sql.Append("GROUP BY category\nORDER BY product_count DESC, category ASC\nLIMIT @limit");
        parameters.Add(BigQueryParameter.Int64("limit", limit));
        return new BigQueryStatement(sql.ToString(), parameters);
    }

    public static BigQueryStatement CheapestProducts(string? source, string? category, int limit)
    {
        var parameters = new List<QueryParameter>();
        var filters = new List<string>();
        if (source is not null)
        {
            filters.Add("source = @source");
            parameters.Add(BigQueryParameter.String("source", source));
        }
        if (category is not null)
        {
            filters.Add("category = @category");
            parameters.Add(BigQueryParameter.String("category", category));
        }
        var sql = new StringBuilder("SELECT product_id, title, category, price\nFROM `products`\n");
        if (filters.Count > 0) sql.Append("WHERE ").AppendJoin(" AND ", filters).Append('\n');
        sql.Append("ORDER BY price ASC, product_id ASC\nLIMIT @limit");
        parameters.Add(BigQueryParameter.Int64("limit", limit));
        return new BigQueryStatement(sql.ToString(), parameters);
    }

    /// <summary>Every price change, newest first.</summary>
    public static BigQueryStatement PriceChanges(string? source, int limit) =>
        Changes(source, since: null, filter: null, "c.observed_at DESC, c.product_id ASC", limit);

    /// <summary>Changes observed at or after <paramref name="since"/>: drops (most negative first) or rises (largest first).</summary>
    public static BigQueryStatement BiggestMoves(string? source, DateTimeOffset since, bool drops, int limit) =>
        Changes(source, since,
            drops ? "c.change_pct < 0" : "c.change_pct > 0",
            drops ? "c.change_pct ASC, c.observed_at DESC, c.product_id ASC" : "c.change_pct DESC, c.observed_at DESC, c.product_id ASC",
            limit);

    /// <summary>
    /// Drops (<c>new_price &lt; old_price</c>) and rises (<c>new_price &gt; old_price</c>) per bucket among the changes
    /// observed from <paramref name="since"/> up to and including <paramref name="until"/>: the change rows as for the
    /// list (LAG over the source's observations, so the previous price may predate the window; no join to products),
    /// then counted. A bucket comes as its UTC day (<c>bucket_day</c>, a TIMESTAMP at midnight) and, when hourly, its
    /// hour (<c>bucket_hour</c>, INT64): CAST and EXTRACT read the same in GoogleSQL and in the DuckDB under the tests'
    /// fake server, where TIMESTAMP_TRUNC does not exist.
    /// </summary>
    public static BigQueryStatement PriceChangeSummary(string? source, DateTimeOffset since, DateTimeOffset until, bool hourly)
    {
        var parameters = new List<QueryParameter>();
        var sql = OrderedObservations("price, observed_at", source, parameters);
        sql.Append("""
            ),
            changes AS (
              SELECT old_price, price AS new_price, observed_at
              FROM ordered
              WHERE old_price IS NOT NULL AND old_price <> 0 AND price <> old_price
                AND observed_at >= @since AND observed_at <= @until
            )
            SELECT CAST(CAST(observed_at AS DATE) AS TIMESTAMP) AS bucket_day,

            """);
        var key = hourly ? "bucket_day, bucket_hour" : "bucket_day";
        if (hourly) sql.Append("  EXTRACT(HOUR FROM observed_at) AS bucket_hour,\n");
        sql.Append("""
              COUNTIF(new_price < old_price) AS drops,
              COUNTIF(new_price > old_price) AS rises
            FROM changes

            """).Append("GROUP BY ").Append(key).Append("\nORDER BY ").Append(key);
        parameters.Add(BigQueryParameter.Timestamp("since", since));
        parameters.Add(BigQueryParameter.Timestamp("until", until));
        return new BigQueryStatement(sql.ToString(), parameters);
    }

    public static BigQueryStatement PriceHistory(string productId) => new("""
        SELECT price, observed_at, run_id
        FROM `price_observations`
        WHERE product_id = @product_id
        ORDER BY observed_at ASC, run_id ASC
        """, [BigQueryParameter.String("product_id", productId)]);

    public static BigQueryStatement AsOf() => new("SELECT MAX(loaded_at) AS as_of FROM `products`");

    /// <summary>
    /// The statement's start: the <c>ordered</c> CTE, every observation (of one source, or all) with the price before it
    /// (LAG over the product's observations), which the change metrics filter and count.
    /// </summary>
    private static StringBuilder OrderedObservations(string columns, string? source, List<QueryParameter> parameters)
    {
        var sql = new StringBuilder($"""
            WITH ordered AS (
              SELECT {columns},
                LAG(price) OVER (PARTITION BY product_id ORDER BY observed_at ASC, run_id ASC) AS old_price
              FROM `price_observations`

            """);
        if (source is not null)
        {
            sql.Append("  WHERE source = @source\n");
            parameters.Add(BigQueryParameter.String("source", source));
        }
        return sql;
    }

    private static BigQueryStatement Changes(string? source, DateTimeOffset? since, string? filter, string orderBy, int limit)
    {
        var parameters = new List<QueryParameter>();
        var sql = OrderedObservations("product_id, price, observed_at, run_id", source, parameters);
        sql.Append("""
            ),
            changes AS (
              SELECT product_id, old_price, price AS new_price, observed_at,
                ROUND((price - old_price) / old_price * 100, 2) AS change_pct
              FROM ordered
              WHERE old_price IS NOT NULL AND old_price <> 0 AND price <> old_price
            )
            SELECT c.product_id, p.title, p.category, c.old_price, c.new_price, c.change_pct, c.observed_at
            FROM changes AS c
            JOIN `products` AS p ON p.product_id = c.product_id

            """);
        var filters = new List<string>();
        if (since is { } from)
        {
            filters.Add("c.observed_at >= @since");
            parameters.Add(BigQueryParameter.Timestamp("since", from));
        }
        if (filter is not null) filters.Add(filter);
        if (filters.Count > 0) sql.Append("WHERE ").AppendJoin(" AND ", filters).Append('\n');
        sql.Append("ORDER BY ").Append(orderBy).Append("\nLIMIT @limit");
        parameters.Add(BigQueryParameter.Int64("limit", limit));
        return new BigQueryStatement(sql.ToString(), parameters);
    }
}
