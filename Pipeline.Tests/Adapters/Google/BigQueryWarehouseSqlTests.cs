using System.Text.RegularExpressions;
using Pipeline.Adapters.Google;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>The GoogleSQL the warehouse generates: named parameters present, typed, and nothing interpolated.</summary>
public sealed class BigQueryWarehouseSqlTests
{
    private static readonly DateTimeOffset Since = new(2025, 5, 1, 12, 30, 0, 250, TimeSpan.FromHours(2));

    /// <summary>Every @name in the SQL has exactly one parameter and every parameter is used.</summary>
    private static Dictionary<string, QueryParameter> AssertParametersMatch(BigQueryStatement statement)
    {
        var used = Regex.Matches(statement.Sql, @"@([A-Za-z_][A-Za-z0-9_]*)").Select(m => m.Groups[1].Value).ToHashSet();
        var declared = statement.Parameters.Select(p => p.Name).ToList();
        Assert.Equal(declared.Count, declared.Distinct().Count());
        Assert.Equal(used.Order(), declared.Order());
        return statement.Parameters.ToDictionary(p => p.Name);
    }

    private static void AssertParameter(Dictionary<string, QueryParameter> parameters, string name, string type, string? value)
    {
        Assert.True(parameters.TryGetValue(name, out var p), $"parameter @{name} missing");
        Assert.Equal(type, p.ParameterType.Type);
        Assert.Equal(value, p.ParameterValue.Value);
    }

    public static TheoryData<string, BigQueryStatement> AllStatements() => new()
    {
        { "merge products", BigQueryWarehouseSql.MergeProducts("_stg_products_r1", "r1", Since) },
        { "merge observations", BigQueryWarehouseSql.MergePriceObservations("_stg_price_observations_r1") },
        { "top categories", BigQueryWarehouseSql.TopCategories("dummyjson", 5) },
        { "top categories, all sources", BigQueryWarehouseSql.TopCategories(null, 5) },
        { "cheapest", BigQueryWarehouseSql.CheapestProducts("dummyjson", "groceries", 3) },
        { "cheapest, no filter", BigQueryWarehouseSql.CheapestProducts(null, null, 3) },
        { "price changes", BigQueryWarehouseSql.PriceChanges("dummyjson", 10) },
        { "price changes, all sources", BigQueryWarehouseSql.PriceChanges(null, 10) },
        { "drops", BigQueryWarehouseSql.BiggestMoves("dummyjson", Since, drops: true, 10) },
        { "rises", BigQueryWarehouseSql.BiggestMoves(null, Since, drops: false, 10) },
        { "price change summary, hourly", BigQueryWarehouseSql.PriceChangeSummary("dummyjson", Since, Since.AddHours(24), hourly: true) },
        { "price change summary, daily, all sources", BigQueryWarehouseSql.PriceChangeSummary(null, Since, Since.AddDays(7), hourly: false) },
        { "history", BigQueryWarehouseSql.PriceHistory("dummyjson:1") },
        { "as of", BigQueryWarehouseSql.AsOf() },
        { "data-check counts", BigQueryWarehouseSql.Quality() },
        { "counts", BigQueryWarehouseSql.CountsBySource() },
    };

    [Theory]
    [MemberData(nameof(AllStatements))]
    public void Every_placeholder_has_a_typed_parameter_and_no_value_is_interpolated(string name, BigQueryStatement statement)
    {
        Assert.False(string.IsNullOrWhiteSpace(name));
        var parameters = AssertParametersMatch(statement);
        foreach (var p in parameters.Values)
        {
            Assert.Contains(p.ParameterType.Type, new[] { "STRING", "INT64", "TIMESTAMP", "NUMERIC", "BOOL" });
            if (p.ParameterValue.Value is { Length: > 0 } value && p.ParameterType.Type == "STRING")
                Assert.DoesNotContain(value, statement.Sql.Replace("_stg_products_r1", "").Replace("_stg_price_observations_r1", ""));
        }
        Assert.DoesNotContain("dummyjson", statement.Sql);
        Assert.DoesNotContain("groceries", statement.Sql);
    }

    [Fact]
    public void Top_categories_aggregates_as_documented_and_filters_by_source_only_when_given()
    {
        var all = BigQueryWarehouseSql.TopCategories(null, 5);
        var filtered = BigQueryWarehouseSql.TopCategories("dummyjson", 5);

        Assert.Contains("COUNT(*) AS product_count", all.Sql);
        Assert.Contains("ROUND(AVG(price), 2) AS avg_price", all.Sql);
        Assert.Contains("ROUND(AVG(rating), 2) AS avg_rating", all.Sql);
        Assert.Contains("COALESCE(SUM(stock), 0) AS total_stock", all.Sql);
        Assert.Contains("ORDER BY product_count DESC, category ASC", all.Sql);
        Assert.DoesNotContain("@source", all.Sql);
        AssertParameter(AssertParametersMatch(all), "limit", "INT64", "5");
        var p = AssertParametersMatch(filtered);
        Assert.Contains("WHERE source = @source", filtered.Sql);
        AssertParameter(p, "source", "STRING", "dummyjson");
    }

    [Fact]
    public void Cheapest_orders_by_price_then_product_id()
    {
        var statement = BigQueryWarehouseSql.CheapestProducts("dummyjson", "groceries", 3);
        var p = AssertParametersMatch(statement);
        Assert.Contains("WHERE source = @source AND category = @category", statement.Sql);
        Assert.Contains("ORDER BY price ASC, product_id ASC", statement.Sql);
        AssertParameter(p, "category", "STRING", "groceries");
        AssertParameter(p, "limit", "INT64", "3");
        Assert.DoesNotContain("WHERE", BigQueryWarehouseSql.CheapestProducts(null, null, 3).Sql);
    }

    [Fact]
    public void Price_changes_use_lag_per_product_and_skip_zero_and_unchanged_prices()
    {
        var statement = BigQueryWarehouseSql.PriceChanges(null, 10);
        Assert.Contains("LAG(price) OVER (PARTITION BY product_id ORDER BY observed_at ASC, run_id ASC) AS old_price", statement.Sql);
        Assert.Contains("WHERE old_price IS NOT NULL AND old_price <> 0 AND price <> old_price", statement.Sql);
        Assert.Contains("ROUND((price - old_price) / old_price * 100, 2) AS change_pct", statement.Sql);
        Assert.Contains("JOIN `products` AS p ON p.product_id = c.product_id", statement.Sql);
        Assert.Contains("ORDER BY c.observed_at DESC, c.product_id ASC", statement.Sql);
    }

    [Fact]
    public void Biggest_moves_filter_after_the_lag_so_the_previous_price_may_predate_since()
    {
        var drops = BigQueryWarehouseSql.BiggestMoves("dummyjson", Since, drops: true, 4);
        var p = AssertParametersMatch(drops);
        AssertParameter(p, "since", "TIMESTAMP", "2025-05-01 10:30:00.250000+00:00"); // converted to UTC
        var lag = drops.Sql.IndexOf("LAG(", StringComparison.Ordinal);
        var since = drops.Sql.IndexOf("c.observed_at >= @since", StringComparison.Ordinal);
        Assert.True(lag >= 0 && since > lag, "the since filter must apply to the change rows, after LAG");
        Assert.Contains("c.change_pct < 0", drops.Sql);
        Assert.Contains("ORDER BY c.change_pct ASC", drops.Sql);

        var rises = BigQueryWarehouseSql.BiggestMoves(null, Since, drops: false, 4);
        Assert.Contains("c.change_pct > 0", rises.Sql);
        Assert.Contains("ORDER BY c.change_pct DESC", rises.Sql);
    }

    [Fact]
    public void Merges_are_keyed_by_product_and_by_product_and_run()
    {
        var products = BigQueryWarehouseSql.MergeProducts("_stg_products_r1", "r1", Since);
        Assert.StartsWith("MERGE INTO `products` AS t\nUSING (\n", products.Sql);
        Assert.Contains("\n) AS s\nON t.product_id = s.product_id\n", products.Sql);
        Assert.Contains("WHEN MATCHED THEN UPDATE SET", products.Sql);
        Assert.Contains("WHEN NOT MATCHED THEN INSERT (product_id, source, source_id, title, category, brand, price, rating, stock, availability, content_hash, last_changed, refresh_id, loaded_at)", products.Sql);
        var p = AssertParametersMatch(products);
        AssertParameter(p, "refresh_id", "STRING", "r1");
        AssertParameter(p, "loaded_at", "TIMESTAMP", "2025-05-01 10:30:00.250000+00:00");

        var observations = BigQueryWarehouseSql.MergePriceObservations("_stg_price_observations_r1");
        Assert.Contains("ON t.product_id = s.product_id AND t.run_id = s.run_id", observations.Sql);
        Assert.Contains("WHEN NOT MATCHED THEN INSERT", observations.Sql);
        Assert.DoesNotContain("WHEN MATCHED", observations.Sql); // observations are never rewritten
    }

    [Fact]
    public void Merges_read_one_staged_row_per_key()
    {
        var products = BigQueryWarehouseSql.MergeProducts("_stg_products_r1", "r1", Since).Sql;
        Assert.Contains("ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY last_changed DESC, content_hash DESC) AS stage_row", products);
        Assert.Contains("FROM `_stg_products_r1`", products);
        Assert.Contains("WHERE stage_row = 1", products);
        // the row number stays out of the source row: the MERGE reads the staged columns only
        Assert.Contains("SELECT product_id, source, source_id, title, category, brand, price, rating, stock, availability, content_hash, last_changed\n", products);

        var observations = BigQueryWarehouseSql.MergePriceObservations("_stg_price_observations_r1").Sql;
        Assert.Contains("ROW_NUMBER() OVER (PARTITION BY product_id, run_id ORDER BY observed_at DESC, price DESC) AS stage_row", observations);
        Assert.Contains("FROM `_stg_price_observations_r1`", observations);
        Assert.Contains("WHERE stage_row = 1", observations);
    }

    [Fact]
    public void Counts_add_up_products_and_observations_per_source()
    {
        var sql = BigQueryWarehouseSql.CountsBySource().Sql;
        Assert.Contains("SELECT source, COUNT(*) AS product_count, 0 AS observation_count\n  FROM `products`\n  GROUP BY source", sql);
        Assert.Contains("SELECT source, 0 AS product_count, COUNT(*) AS observation_count\n  FROM `price_observations`\n  GROUP BY source", sql);
        Assert.Contains("UNION ALL", sql);
        Assert.EndsWith("GROUP BY source\nORDER BY source", sql);
    }

    [Theory]
    [InlineData("_stg_products_r1", true)]
    [InlineData("_stg_price_observations_wr_20250503_abc", true)]
    [InlineData("products", false)]
    [InlineData("price_observations", false)]
    [InlineData("_stg_products", false)]
    [InlineData("_stg_orders_r1", false)]
    [InlineData("stg_products_r1", false)]
    public void Staging_tables_are_told_apart_by_name(string tableId, bool staging) =>
        Assert.Equal(staging, BigQueryWarehouseSchema.IsStagingTable(tableId));

    [Theory]
    [InlineData("r1", "_stg_products_r1")]
    [InlineData("refresh_2025_05_01", "_stg_products_refresh_2025_05_01")]
    public void Staging_tables_carry_the_refresh_id(string refreshId, string expected) =>
        Assert.Equal(expected, BigQueryWarehouseSchema.StagingTable("products", refreshId));

    [Fact]
    public void Staging_table_names_stay_valid_and_distinct_for_any_refresh_id()
    {
        var a = BigQueryWarehouseSchema.StagingTable("products", "2025-05-01T06:00:00Z");
        var b = BigQueryWarehouseSchema.StagingTable("products", "2025_05_01T06_00_00Z");
        var evil = BigQueryWarehouseSchema.StagingTable("products", "x`; DROP TABLE products; --");
        foreach (var name in new[] { a, b, evil }) Assert.Matches("^[A-Za-z0-9_]{1,1024}$", name);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Tables_match_the_warehouse_schema_with_partitioning_and_clustering()
    {
        var products = BigQueryWarehouseSchema.ProductsTable("p", "d");
        Assert.Equal(
            ["product_id", "source", "source_id", "title", "category", "brand", "price", "rating", "stock", "availability", "content_hash", "last_changed", "refresh_id", "loaded_at"],
            products.Schema!.Fields.Select(f => f.Name));
        Assert.Equal(["source", "category"], products.Clustering!.Fields);
        Assert.Null(products.TimePartitioning);
        Assert.Equal("NUMERIC", products.Schema.Fields.Single(f => f.Name == "price").Type);

        var observations = BigQueryWarehouseSchema.PriceObservationsTable("p", "d");
        Assert.Equal(["product_id", "source", "run_id", "price", "previous_price", "observed_at"], observations.Schema!.Fields.Select(f => f.Name));
        Assert.Equal("DAY", observations.TimePartitioning!.Type);
        Assert.Equal("observed_at", observations.TimePartitioning.Field);
        Assert.Equal(["product_id"], observations.Clustering!.Fields);
    }
}
