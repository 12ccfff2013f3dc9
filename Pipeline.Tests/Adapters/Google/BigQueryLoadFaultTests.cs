using System.Text;
using Pipeline.Adapters.Google;
using Pipeline.Core.Domain;
using Pipeline.Core.Sources;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// Exactly once on BigQuery, with faults injected between the load's steps on the fake server: a refresh that fails at
/// one step (the products MERGE, the observations' staging load, the observations MERGE, a MERGE whose answer is lost,
/// a crash between staging and MERGE), followed by a clean refresh of the same input under a new refresh id, leaves the
/// warehouse exactly as clean refreshes do: every product and every observation once, none lost, none doubled, and the
/// same counts, price history and price changes as a reference warehouse that saw no fault.
/// Input: the DummyJSON (194) and FakeStore (20) fixtures; run 1 observes every price, run 2 changes three.
/// </summary>
public sealed class BigQueryLoadFaultTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = new(2025, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The prices run 2 changes (product id → new price).</summary>
    private static readonly Dictionary<string, decimal> Run2Prices = new()
    {
        ["dummyjson:1"] = 8.99m, ["dummyjson:6"] = 39.99m, ["fakestore:5"] = 650m,
    };

    /// <summary>After run 2: 194 + 20 products, 194 + 2 and 20 + 1 observations.</summary>
    private static readonly SourceCounts[] ExpectedCounts = [new("dummyjson", 194, 196), new("fakestore", 20, 21)];

    private static readonly SourceCounts[] Run1Counts = [new("dummyjson", 194, 194), new("fakestore", 20, 20)];

    private static readonly string[] HistoryIds = ["dummyjson:1", "dummyjson:4", "dummyjson:6", "fakestore:5", "fakestore:7"];

    private static readonly Lazy<IReadOnlyList<Product>> Fixture = new(() =>
    {
        var array = SharedFixtures.ReadText("dummyjson", "products.json");
        var page = Encoding.UTF8.GetBytes($"{{\"products\":{array},\"total\":194,\"skip\":0,\"limit\":194}}");
        var dummy = CatalogPageParser.Parse(page, CatalogFormat.DummyJson, new ParseContext("dummyjson", "run-1", "raw/dummyjson.json", T1));
        var fake = CatalogPageParser.Parse(SharedFixtures.ReadBytes("fakestore", "products.json"), CatalogFormat.FakeStore,
            new ParseContext("fakestore", "run-1", "raw/fakestore.json", T1));
        Assert.Null(dummy.PageError);
        Assert.Null(fake.PageError);
        return [.. dummy.Products.Select(p => p with { LastChanged = T1 }), .. fake.Products.Select(p => p with { LastChanged = T1 })];
    });

    private BigQueryTestHost _host = null!;

    private FakeBigQueryServer Server => _host.Server;

    private BigQueryWarehouse Warehouse => _host.Warehouse;

    public async Task InitializeAsync()
    {
        _host = await BigQueryTestHost.StartAsync();
        await Warehouse.EnsureSchemaAsync(CancellationToken.None);
        _host.Clock.Now = T1.AddMinutes(5);
        Assert.Equal(new WarehouseLoadResult(214, 214), await LoadRun1Async(_host, "refresh-1"));
        Assert.Equal(Run1Counts, await Warehouse.CountsAsync(CancellationToken.None));
        _host.Clock.Now = T2.AddMinutes(5);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    // ---- the cases ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_failed_products_merge_changes_nothing_and_the_next_refresh_loads_everything_once()
    {
        var fault = new OneFault(IsMerge(BigQueryWarehouseSchema.Products), FakeFault.FailJob());
        Server.Faults = fault.Apply;
        var mark = Server.Requests.Count;

        var ex = await Assert.ThrowsAsync<BigQueryApiException>(() => LoadRun2Async(_host, "refresh-2", CancellationToken.None));

        Assert.True(fault.Fired);
        Assert.Equal("backendError", ex.Reason);
        Assert.Equal(Run1Counts, await Warehouse.CountsAsync(CancellationToken.None));
        Assert.Equal(9.99m, PriceOf("dummyjson:1")); // run 2's price did not arrive
        Assert.DoesNotContain(Server.Requests.Skip(mark), IsLoadInto("_stg_price_observations_"));

        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 3));
    }

    [Fact]
    public async Task A_failed_staging_load_of_the_observations_after_the_products_merged_loses_nothing()
    {
        var fault = new OneFault(IsLoadInto("_stg_price_observations_"), FakeFault.FailJob());
        Server.Faults = fault.Apply;
        var mark = Server.Requests.Count;

        var ex = await Assert.ThrowsAsync<BigQueryJobException>(() => LoadRun2Async(_host, "refresh-2", CancellationToken.None));

        Assert.True(fault.Fired);
        Assert.Equal("backendError", ex.Reason);
        Assert.Equal(8.99m, PriceOf("dummyjson:1")); // the products merged
        Assert.Equal(Run1Counts, await Warehouse.CountsAsync(CancellationToken.None)); // the observations did not
        Assert.DoesNotContain(Server.Requests.Skip(mark), IsMerge(BigQueryWarehouseSchema.PriceObservations));

        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 3));
    }

    [Fact]
    public async Task A_failed_observations_merge_loses_nothing()
    {
        var fault = new OneFault(IsMerge(BigQueryWarehouseSchema.PriceObservations), FakeFault.FailJob());
        Server.Faults = fault.Apply;

        var ex = await Assert.ThrowsAsync<BigQueryApiException>(() => LoadRun2Async(_host, "refresh-2", CancellationToken.None));

        Assert.True(fault.Fired);
        Assert.Equal("backendError", ex.Reason);
        Assert.Equal(8.99m, PriceOf("dummyjson:1"));
        Assert.Equal(Run1Counts, await Warehouse.CountsAsync(CancellationToken.None));

        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 3));
    }

    [Fact]
    public async Task An_observations_merge_that_committed_but_whose_answer_was_lost_is_not_applied_twice()
    {
        var fault = new OneFault(IsMerge(BigQueryWarehouseSchema.PriceObservations), FakeFault.LoseAnswer());
        Server.Faults = fault.Apply;

        var ex = await Assert.ThrowsAsync<BigQueryApiException>(() => LoadRun2Async(_host, "refresh-2", CancellationToken.None));

        Assert.True(fault.Fired);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(ExpectedCounts, await Warehouse.CountsAsync(CancellationToken.None)); // it did commit

        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 0));
    }

    [Fact]
    public async Task A_crash_between_the_staging_load_and_the_merge_leaves_only_staging_tables_behind()
    {
        await CrashAfterStagingObservationsAsync("refresh-2");

        // The observations were staged, not merged; the dead refresh's staging tables are still there.
        Assert.Equal(217, Server.CountRows("pipeline", Staging(BigQueryWarehouseSchema.PriceObservations, "refresh-2")));
        Assert.Equal(Run1Counts, await Warehouse.CountsAsync(CancellationToken.None));
        Assert.Contains(Staging(BigQueryWarehouseSchema.Products, "refresh-2"), Server.TableIds("pipeline"));

        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 3));
        string[] tables =
        [
            BigQueryWarehouseSchema.PriceObservations, BigQueryWarehouseSchema.Products,
            Staging(BigQueryWarehouseSchema.PriceObservations, "refresh-2"), Staging(BigQueryWarehouseSchema.Products, "refresh-2"),
        ];
        Assert.Equal(tables.Order(StringComparer.Ordinal), Server.TableIds("pipeline").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_repeated_identical_refresh_adds_nothing()
    {
        Assert.Equal(new WarehouseLoadResult(214, 3), await LoadRun2Async(_host, "refresh-2", CancellationToken.None));

        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 0));
    }

    [Fact]
    public async Task A_stream_that_repeats_keys_loads_each_product_and_observation_once()
    {
        // A store scanned while it changes can hand a product over twice (its older and its newer version) and an
        // observation twice: both are staged, the MERGEs read one row per key, the newest version of a product.
        var products = ProductsAfterRun2();
        var older = Fixture.Value.Where(p => Run2Prices.ContainsKey(p.Id));
        var observations = ObservationsAfterRun2();

        var result = await Warehouse.LoadAsync("refresh-2",
            AsyncStream.Of(products.Take(100).Concat(older).Concat(products.Skip(100)).Concat(products.Take(10))),
            AsyncStream.Of(observations.Concat(observations.Where(o => o.RunId == "run-2")).Concat(observations.Take(5))),
            CancellationToken.None);

        Assert.Equal(new WarehouseLoadResult(214, 3), result);
        Assert.Equal(8.99m, PriceOf("dummyjson:1"));
        Assert.Equal(650m, PriceOf("fakestore:5"));
        await AssertExactlyOnceAsync();
    }

    [Fact]
    public async Task Staging_tables_a_dead_refresh_left_behind_are_dropped_once_a_day_old()
    {
        var crashedAt = _host.Clock.Now;
        await CrashAfterStagingObservationsAsync("refresh-2");
        await RetryCleanAndAssertExactlyOnceAsync(new WarehouseLoadResult(214, 3));
        string[] leftBehind = [Staging(BigQueryWarehouseSchema.PriceObservations, "refresh-2"), Staging(BigQueryWarehouseSchema.Products, "refresh-2")];

        // Younger than a day: it may belong to a refresh still running elsewhere, so it stays.
        _host.Clock.Now = crashedAt.AddHours(23);
        await Warehouse.EnsureSchemaAsync(CancellationToken.None);
        Assert.Equal(leftBehind, Server.TableIds("pipeline").Where(BigQueryWarehouseSchema.IsStagingTable).Order(StringComparer.Ordinal));

        _host.Clock.Now = crashedAt.AddHours(25);
        await Warehouse.EnsureSchemaAsync(CancellationToken.None);

        Assert.Equal([BigQueryWarehouseSchema.PriceObservations, BigQueryWarehouseSchema.Products], Server.TableIds("pipeline").Order(StringComparer.Ordinal));
        var dropped = Server.RequestsFor("bigquery.tables.delete").TakeLast(2).Select(r => Uri.UnescapeDataString(r.Path.Split('/')[^1]));
        Assert.Equal(leftBehind, dropped.Order(StringComparer.Ordinal));
        // More tables than one tables.list page: the listing followed nextPageToken.
        Assert.Contains(Server.RequestsFor("bigquery.tables.list"), r => r.QueryValue("pageToken") is not null);
        await AssertExactlyOnceAsync();
        Server.AssertConformant();
    }

    [Fact]
    public async Task A_schema_check_whose_staging_cleanup_cannot_list_the_tables_still_succeeds()
    {
        await CrashAfterStagingObservationsAsync("refresh-2");
        _host.Clock.Now = T2.AddDays(2);
        Server.Faults = r => r.MethodId == "bigquery.tables.list" ? FakeFault.Reject() : null;

        await Warehouse.EnsureSchemaAsync(CancellationToken.None);

        Assert.Contains(Staging(BigQueryWarehouseSchema.Products, "refresh-2"), Server.TableIds("pipeline"));
        Server.Faults = null;
        await Warehouse.EnsureSchemaAsync(CancellationToken.None);
        Assert.Equal([BigQueryWarehouseSchema.PriceObservations, BigQueryWarehouseSchema.Products], Server.TableIds("pipeline").Order(StringComparer.Ordinal));
    }

    // ---- steps and assertions ----------------------------------------------------------------------------------

    /// <summary>
    /// Run 2's refresh, "crashing" once the staging load of its observations is DONE: the token is cancelled as the fake
    /// answers that job DONE, so the MERGE is never sent; its staging tables are never dropped (tables.delete refused, as
    /// a dead process sends none).
    /// </summary>
    private async Task CrashAfterStagingObservationsAsync(string refreshId)
    {
        using var crash = new CancellationTokenSource();
        var observationStage = Staging(BigQueryWarehouseSchema.PriceObservations, refreshId);
        Server.Answering = (request, _, body) =>
        {
            if (request.MethodId == "bigquery.jobs.get" && (string?)body?["status"]?["state"] == "DONE"
                && (string?)body["configuration"]?["load"]?["destinationTable"]?["tableId"] == observationStage)
                crash.Cancel();
        };
        Server.Faults = r => r.MethodId == "bigquery.tables.delete" ? FakeFault.Reject() : null;
        var mark = Server.Requests.Count;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LoadRun2Async(_host, refreshId, crash.Token));

        Server.Answering = null;
        Server.Faults = null;
        Assert.True(crash.IsCancellationRequested, "the staging load of the observations never reported DONE");
        Assert.DoesNotContain(Server.Requests.Skip(mark), IsMerge(BigQueryWarehouseSchema.PriceObservations));
        Assert.Contains(observationStage, Server.TableIds("pipeline"));
    }

    /// <summary>The same input again, under a new refresh id and without faults; then everything exactly once.</summary>
    private async Task RetryCleanAndAssertExactlyOnceAsync(WarehouseLoadResult expected)
    {
        Server.Faults = null;
        Server.Answering = null;
        _host.Clock.Now = _host.Clock.Now.AddMinutes(30);

        var retry = await LoadRun2Async(_host, "refresh-2-retry", CancellationToken.None);

        Assert.Equal(expected, retry);
        Assert.DoesNotContain(Staging(BigQueryWarehouseSchema.Products, "refresh-2-retry"), Server.TableIds("pipeline"));
        Assert.DoesNotContain(Staging(BigQueryWarehouseSchema.PriceObservations, "refresh-2-retry"), Server.TableIds("pipeline"));
        await AssertExactlyOnceAsync();
        Server.AssertConformant();
    }

    /// <summary>
    /// Run 2's warehouse, exactly: the counts per source; no key twice (counted through BigQuery's query API); and the
    /// same price history, price changes and top categories as a reference warehouse loaded without faults.
    /// </summary>
    private async Task AssertExactlyOnceAsync()
    {
        Assert.Equal(ExpectedCounts, await Warehouse.CountsAsync(CancellationToken.None));

        var keys = (await _host.Client.QueryAsync(new BigQueryStatement("""
            SELECT
              (SELECT COUNT(*) FROM `products`) AS product_rows,
              (SELECT COUNT(DISTINCT product_id) FROM `products`) AS product_keys,
              (SELECT COUNT(*) FROM `price_observations`) AS observation_rows,
              (SELECT COUNT(*) FROM (SELECT DISTINCT product_id, run_id FROM `price_observations`)) AS observation_keys
            """), CancellationToken.None)).Rows.Single();
        Assert.Equal((214L, 214L, 217L, 217L),
            (keys.GetInt64("product_rows"), keys.GetInt64("product_keys"), keys.GetInt64("observation_rows"), keys.GetInt64("observation_keys")));

        await using var reference = await BigQueryTestHost.StartAsync();
        await reference.Warehouse.EnsureSchemaAsync(CancellationToken.None);
        await LoadRun1Async(reference, "refresh-1");
        await LoadRun2Async(reference, "refresh-2", CancellationToken.None);

        Assert.Equal(ExpectedCounts, await reference.Warehouse.CountsAsync(CancellationToken.None));
        foreach (var id in HistoryIds)
            Assert.Equal(await reference.Warehouse.PriceHistoryAsync(id, CancellationToken.None), await Warehouse.PriceHistoryAsync(id, CancellationToken.None));
        Assert.Equal([new PricePoint(9.99m, T1, "run-1"), new PricePoint(8.99m, T2, "run-2")],
            await Warehouse.PriceHistoryAsync("dummyjson:1", CancellationToken.None));
        var changes = await Warehouse.PriceChangesAsync(null, 100, CancellationToken.None);
        Assert.Equal(await reference.Warehouse.PriceChangesAsync(null, 100, CancellationToken.None), changes);
        Assert.Equal(["dummyjson:1", "dummyjson:6", "fakestore:5"], changes.Select(c => c.Id));
        Assert.Equal(await reference.Warehouse.TopCategoriesAsync(null, 100, CancellationToken.None),
            await Warehouse.TopCategoriesAsync(null, 100, CancellationToken.None));
    }

    private decimal PriceOf(string productId) =>
        (decimal)Server.Sql($"SELECT price FROM pipeline.products WHERE product_id = '{productId}'").Single()[0]!;

    // ---- input -------------------------------------------------------------------------------------------------

    private static Task<WarehouseLoadResult> LoadRun1Async(BigQueryTestHost host, string refreshId) =>
        host.Warehouse.LoadAsync(refreshId, AsyncStream.Of(Fixture.Value), AsyncStream.Of(Run1Observations()), CancellationToken.None);

    /// <summary>Run 2 as a full refresh hands it over: every product as it is now, every observation so far.</summary>
    private static Task<WarehouseLoadResult> LoadRun2Async(BigQueryTestHost host, string refreshId, CancellationToken ct) =>
        host.Warehouse.LoadAsync(refreshId, AsyncStream.Of(ProductsAfterRun2()), AsyncStream.Of(ObservationsAfterRun2()), ct);

    private static List<PriceObservation> Run1Observations() =>
        Fixture.Value.Select(p => new PriceObservation(p.Id, p.Price, T1, "run-1")).ToList();

    private static List<Product> ProductsAfterRun2() =>
        Fixture.Value.Select(p => Run2Prices.TryGetValue(p.Id, out var price) ? p with { Price = price, LastChanged = T2 } : p).ToList();

    private static List<PriceObservation> ObservationsAfterRun2()
    {
        var before = Fixture.Value.ToDictionary(p => p.Id, p => p.Price);
        return
        [
            .. Run1Observations(),
            .. Run2Prices.Select(kv => new PriceObservation(kv.Key, kv.Value, T2, "run-2") { PreviousPrice = before[kv.Key] }),
        ];
    }


    private static string Staging(string table, string refreshId) => BigQueryWarehouseSchema.StagingTable(table, refreshId);

    private static Predicate<RecordedRequest> IsMerge(string table) => r =>
        r.MethodId == "bigquery.jobs.query" && ((string?)r.Json()!["query"])!.StartsWith($"MERGE INTO `{table}`", StringComparison.Ordinal);

    private static Predicate<RecordedRequest> IsLoadInto(string tablePrefix) => r =>
        r.MethodId == "bigquery.jobs.insert"
        && ((string?)r.Json()!["configuration"]!["load"]!["destinationTable"]!["tableId"])!.StartsWith(tablePrefix, StringComparison.Ordinal);

    /// <summary>Injects <paramref name="fault"/> into the first request that matches, and only that one.</summary>
    private sealed class OneFault(Predicate<RecordedRequest> match, FakeFault fault)
    {
        public bool Fired { get; private set; }

        public FakeFault? Apply(RecordedRequest request)
        {
            if (Fired || !match(request)) return null;
            Fired = true;
            return fault;
        }
    }
}
