using Pipeline.Adapters.Google;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>The GoogleSQL of the price-change summary: the change rows as defined for the list, counted per bucket.</summary>
public sealed class BigQueryPriceChangeSummarySqlTests
{
    private static readonly DateTimeOffset Since = new(2025, 5, 1, 12, 0, 0, TimeSpan.FromHours(2));
    private static readonly DateTimeOffset Until = new(2025, 5, 2, 10, 30, 0, 125, TimeSpan.Zero);

    [Fact]
    public void The_window_filters_the_change_rows_after_the_lag_so_the_previous_price_may_predate_it()
    {
        var sql = BigQueryWarehouseSql.PriceChangeSummary(null, Since, Until, hourly: true).Sql;

        var lag = sql.IndexOf("LAG(price) OVER (PARTITION BY product_id ORDER BY observed_at ASC, run_id ASC) AS old_price", StringComparison.Ordinal);
        var window = sql.IndexOf("AND observed_at >= @since AND observed_at <= @until", StringComparison.Ordinal);
        Assert.True(lag >= 0 && window > lag, "the window must apply to the change rows, after LAG");
        Assert.Contains("WHERE old_price IS NOT NULL AND old_price <> 0 AND price <> old_price", sql);
        Assert.DoesNotContain("@source", sql);
        Assert.DoesNotContain("`products`", sql); // counted from the observations alone, no join
        Assert.DoesNotContain("LIMIT", sql);
    }

    [Fact]
    public void Drops_and_rises_are_counted_by_comparing_the_prices()
    {
        var sql = BigQueryWarehouseSql.PriceChangeSummary("dummyjson", Since, Until, hourly: false).Sql;

        Assert.Contains("COUNTIF(new_price < old_price) AS drops", sql);
        Assert.Contains("COUNTIF(new_price > old_price) AS rises", sql);
        Assert.Contains("  WHERE source = @source\n", sql);
    }

    [Fact]
    public void Hourly_buckets_group_by_utc_day_and_hour_daily_ones_by_day()
    {
        var hourly = BigQueryWarehouseSql.PriceChangeSummary(null, Since, Until, hourly: true).Sql;
        var daily = BigQueryWarehouseSql.PriceChangeSummary(null, Since, Until, hourly: false).Sql;

        Assert.Contains("SELECT CAST(CAST(observed_at AS DATE) AS TIMESTAMP) AS bucket_day,\n  EXTRACT(HOUR FROM observed_at) AS bucket_hour,", hourly);
        Assert.EndsWith("GROUP BY bucket_day, bucket_hour\nORDER BY bucket_day, bucket_hour", hourly);
        Assert.DoesNotContain("bucket_hour", daily);
        Assert.EndsWith("GROUP BY bucket_day\nORDER BY bucket_day", daily);
    }

    [Fact]
    public void The_window_bounds_are_utc_timestamp_parameters()
    {
        var parameters = BigQueryWarehouseSql.PriceChangeSummary("dummyjson", Since, Until, hourly: true).Parameters.ToDictionary(p => p.Name);

        Assert.Equal(("TIMESTAMP", "2025-05-01 10:00:00.000000+00:00"), (parameters["since"].ParameterType.Type, parameters["since"].ParameterValue.Value));
        Assert.Equal(("TIMESTAMP", "2025-05-02 10:30:00.125000+00:00"), (parameters["until"].ParameterType.Type, parameters["until"].ParameterValue.Value));
        Assert.Equal(("STRING", "dummyjson"), (parameters["source"].ParameterType.Type, parameters["source"].ParameterValue.Value));
    }
}
