using Pipeline.Adapters.Google;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// The BigQuery warehouse's data-check counts against the fake server (DuckDB underneath runs the generated GoogleSQL):
/// products loaded through the warehouse, rows corrupted in the fake's storage, one query whose answer (paged two rows
/// at a time) is read back per source. Every request is checked against the discovery document.
/// </summary>
public sealed class BigQueryWarehouseQualityTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);

    private BigQueryTestHost _host = null!;

    private FakeBigQueryServer Server => _host.Server;

    public async Task InitializeAsync() => _host = await BigQueryTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();


    private static Product Product(string source, int id) => new()
    {
        Source = source, SourceId = id.ToString(System.Globalization.CultureInfo.InvariantCulture), Title = $"Product {id}",
        Category = "kitchen", Price = 10m + id, ContentHash = $"h{id}", LastChanged = T1,
    };

    /// <summary>dummyjson:1..4, fakestore:1..3 and synthetic:1..2, each with one observation.</summary>
    private async Task LoadCleanAsync()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        var products = Enumerable.Range(1, 4).Select(i => Product("dummyjson", i))
            .Concat(Enumerable.Range(1, 3).Select(i => Product("fakestore", i)))
            .Concat(Enumerable.Range(1, 2).Select(i => Product("synthetic", i))).ToList();
        var observations = products.Select(p => new PriceObservation(p.Id, p.Price, T1, "run-1"));
        Assert.Equal(new WarehouseLoadResult(9, 9),
            await _host.Warehouse.LoadAsync("refresh-1", AsyncStream.Of(products), AsyncStream.Of(observations), CancellationToken.None));
    }

    [Fact]
    public void The_statement_groups_by_source_and_id_then_by_source_without_parameters()
    {
        var statement = BigQueryWarehouseSql.Quality();

        Assert.Empty(statement.Parameters);
        Assert.Contains("COUNT(*) AS id_rows", statement.Sql);
        Assert.Contains("COUNTIF(price IS NULL OR price < 0) AS invalid_prices", statement.Sql);
        Assert.Contains("COUNTIF(title IS NULL OR TRIM(title) = '' OR category IS NULL OR TRIM(category) = '') AS missing_fields", statement.Sql);
        Assert.Contains("FROM `products`\n  GROUP BY source, product_id\n)", statement.Sql);
        Assert.Contains("SUM(id_rows) AS row_count,\n  COUNTIF(id_rows > 1) AS duplicate_ids,", statement.Sql);
        Assert.EndsWith("GROUP BY source\nORDER BY source", statement.Sql);
    }

    [Fact]
    public async Task An_empty_warehouse_has_no_sources_and_a_clean_load_counts_rows_with_zero_faults()
    {
        await _host.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        Assert.Empty(await _host.Warehouse.QualityAsync(CancellationToken.None));

        await LoadCleanAsync();

        Assert.Equal(
        [
            new WarehouseQuality("dummyjson", 4, 0, 0, 0), new WarehouseQuality("fakestore", 3, 0, 0, 0), new WarehouseQuality("synthetic", 2, 0, 0, 0),
        ], await _host.Warehouse.QualityAsync(CancellationToken.None));
        Server.AssertConformant();
    }

    [Fact]
    public async Task One_unparameterised_query_whose_paged_answer_is_read_per_source()
    {
        await LoadCleanAsync();
        // The fake stores REQUIRED columns as NOT NULL, as BigQuery refuses nulls in them: drop that to store nulls.
        foreach (var statement in new[]
        {
            "UPDATE pipeline.products SET price = -1 WHERE product_id = 'dummyjson:1'",
            "UPDATE pipeline.products SET category = '   ' WHERE product_id = 'dummyjson:2'",
            "UPDATE pipeline.products SET title = '', price = -5 WHERE product_id = 'dummyjson:3'",
            "INSERT INTO pipeline.products SELECT p.* FROM pipeline.products p, range(2) WHERE p.product_id = 'fakestore:1'",
            "INSERT INTO pipeline.products SELECT * REPLACE (' ' AS title) FROM pipeline.products WHERE product_id = 'fakestore:2'",
            "ALTER TABLE pipeline.products ALTER COLUMN price DROP NOT NULL",
            "ALTER TABLE pipeline.products ALTER COLUMN category DROP NOT NULL",
            "UPDATE pipeline.products SET price = NULL, category = NULL WHERE product_id = 'fakestore:3'",
        }) Server.Sql(statement);
        var before = Server.RequestsFor("bigquery.jobs.query").Count;
        var pollsBefore = Server.RequestsFor("bigquery.jobs.getQueryResults").Count;

        var quality = await _host.Warehouse.QualityAsync(CancellationToken.None);

        Assert.Equal(
        [
            new WarehouseQuality("dummyjson", Rows: 4, DuplicateIds: 0, InvalidPrices: 2, MissingFields: 2),
            new WarehouseQuality("fakestore", Rows: 6, DuplicateIds: 2, InvalidPrices: 1, MissingFields: 2),
            new WarehouseQuality("synthetic", Rows: 2, DuplicateIds: 0, InvalidPrices: 0, MissingFields: 0),
        ], quality);
        var request = Assert.Single(Server.RequestsFor("bigquery.jobs.query").Skip(before)).Json()!;
        Assert.Equal(BigQueryWarehouseSql.Quality().Sql, (string?)request["query"]);
        Assert.False((bool)request["useLegacySql"]!);
        Assert.Null(request["queryParameters"]);
        Assert.Null(request["parameterMode"]);
        Assert.Equal("pipeline", (string?)request["defaultDataset"]!["datasetId"]);
        // jobs.query answers incomplete; the poll that completes brings the first two sources, the next (by page token) the third
        var polls = Server.RequestsFor("bigquery.jobs.getQueryResults").Skip(pollsBefore).ToList();
        Assert.Equal(2, polls.Count);
        Assert.Equal([false, true], polls.Select(p => p.QueryValue("pageToken") is not null));
        Server.AssertConformant();
    }
}
