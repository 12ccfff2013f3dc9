using DuckDB.NET.Data;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Tests.Adapters.Google;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>
/// The DuckDB warehouse's data-check counts: products loaded through <see cref="DuckDbWarehouse.LoadAsync"/>, then rows
/// corrupted by hand through a second connection to the same file while the warehouse holds it (DuckDB.NET shares one
/// database instance per data source string in a process, so the second connection sees and changes the warehouse's data).
/// </summary>
public sealed class DuckDbWarehouseQualityTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _dir = new();
    private readonly FixedTimeProvider _clock = new(T1.AddMinutes(5));
    private string _path = null!;
    private DuckDbWarehouse _warehouse = null!;

    public Task InitializeAsync()
    {
        // The full path: the warehouse opens Path.GetFullPath(path), and DuckDB.NET shares an instance only for the same string.
        _path = Path.GetFullPath(Path.Combine(_dir.Path, "w.duckdb"));
        _warehouse = new DuckDbWarehouse(_path, _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _warehouse.DisposeAsync();
        _dir.Dispose();
    }


    /// <summary>dummyjson:1..4 and fakestore:1..3, each with one observation.</summary>
    private async Task LoadCleanAsync()
    {
        var products = Enumerable.Range(1, 4).Select(i => Product("dummyjson", i))
            .Concat(Enumerable.Range(1, 3).Select(i => Product("fakestore", i))).ToList();
        var observations = products.Select(p => new PriceObservation(p.Id, p.Price, T1, "run-1"));
        Assert.Equal(new WarehouseLoadResult(7, 7), await _warehouse.LoadAsync("r1", AsyncStream.Of(products), AsyncStream.Of(observations), CancellationToken.None));
    }

    private static Product Product(string source, int id) => new()
    {
        Source = source, SourceId = id.ToString(System.Globalization.CultureInfo.InvariantCulture), Title = $"Product {id}",
        Category = "kitchen", Price = 10m + id, ContentHash = $"h{id}", LastChanged = T1,
    };

    /// <summary>Runs <paramref name="sql"/> on a connection of its own to the warehouse's file, beside the open warehouse.</summary>
    private void ExecuteByHand(string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task An_empty_warehouse_has_no_sources_and_a_clean_load_counts_rows_with_zero_faults()
    {
        Assert.Empty(await _warehouse.QualityAsync(CancellationToken.None));

        await LoadCleanAsync();

        // products has no primary key (the load merges by product_id itself), so duplicates are possible, but a load makes none.
        Assert.Equal([new WarehouseQuality("dummyjson", 4, 0, 0, 0), new WarehouseQuality("fakestore", 3, 0, 0, 0)],
            await _warehouse.QualityAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Rows_corrupted_by_hand_are_counted_per_source()
    {
        await LoadCleanAsync();

        ExecuteByHand("""
            UPDATE products SET price = -1 WHERE product_id = 'dummyjson:1';
            UPDATE products SET category = '   ' WHERE product_id = 'dummyjson:2';
            UPDATE products SET title = '', price = -5 WHERE product_id = 'dummyjson:3';
            UPDATE products SET title = chr(9) || chr(160) || chr(10) WHERE product_id = 'dummyjson:4';
            INSERT INTO products SELECT p.* FROM products p, range(2) WHERE p.product_id = 'fakestore:1';
            INSERT INTO products SELECT * REPLACE (' ' AS title) FROM products WHERE product_id = 'fakestore:2';
            """);
        // price, title and category are NOT NULL in the DuckDB schema: a null cannot be written as it stands.
        var refused = Assert.Throws<DuckDBException>(() => ExecuteByHand("UPDATE products SET price = NULL WHERE product_id = 'fakestore:3'"));
        Assert.Contains("NOT NULL", refused.Message, StringComparison.OrdinalIgnoreCase);
        // With the constraints dropped (as a relaxed schema would allow), nulls count as well.
        ExecuteByHand("""
            ALTER TABLE products ALTER COLUMN price DROP NOT NULL;
            ALTER TABLE products ALTER COLUMN title DROP NOT NULL;
            UPDATE products SET price = NULL, title = NULL WHERE product_id = 'fakestore:3';
            """);

        Assert.Equal(
        [
            // dummyjson:3 counts as an invalid price and as a missing field; dummyjson:4's title is white space only.
            new WarehouseQuality("dummyjson", Rows: 4, DuplicateIds: 0, InvalidPrices: 2, MissingFields: 3),
            // fakestore:1 in three rows and fakestore:2 in two are two duplicate ids; the copy of fakestore:2 has a blank title.
            new WarehouseQuality("fakestore", Rows: 6, DuplicateIds: 2, InvalidPrices: 1, MissingFields: 2),
        ], await _warehouse.QualityAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_row_deleted_by_hand_beside_the_open_warehouse_is_gone_from_its_counts()
    {
        await LoadCleanAsync();

        ExecuteByHand("DELETE FROM products WHERE product_id = 'dummyjson:4'");

        Assert.Equal([new SourceCounts("dummyjson", 3, 4), new SourceCounts("fakestore", 3, 3)], await _warehouse.CountsAsync(CancellationToken.None));
        Assert.Equal(3, (await _warehouse.QualityAsync(CancellationToken.None))[0].Rows);
    }
}
