using System.Net;
using System.Net.Http.Json;
using DuckDB.NET.Data;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>
/// The data checks on the real host (SQLite store, DuckDB warehouse): all pass after a clean run and refresh; each fails
/// when the warehouse is damaged by hand the way it checks for (a row removed, a negative price, a blank category, an
/// id twice, a limit passed), and a failure after a refresh reaches a real webhook receiver as <c>check.failed</c>.
/// </summary>
public sealed class DataChecksApiTests : IAsyncLifetime
{
    private FixtureCatalogServer _catalog = null!;
    private WebhookReceiver _receiver = null!;
    private PipelineAppFactory _app = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _catalog = await FixtureCatalogServer.StartAsync();
        _receiver = await WebhookReceiver.StartAsync();
        _app = new PipelineAppFactory(_catalog, new Dictionary<string, string?>
        {
            ["Pipeline:Notifications:PollInterval"] = "00:00:00.100",
            ["Pipeline:Notifications:Webhooks:0:Url"] = _receiver.Url.ToString(),
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "check.failed",
        });
        _api = _app.CreateApiClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    /// <summary>SQL on a connection of its own to the app's warehouse file (DuckDB.NET shares the open instance in-process).</summary>
    private void DamageWarehouse(string sql)
    {
        using var connection = new DuckDBConnection($"Data Source={Path.GetFullPath(Path.Combine(_app.DataDirectory, "warehouse.duckdb"))}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private async Task<Dictionary<string, CheckDto>> RunChecksAsync(string source)
    {
        using var response = await _api.PostAsync("/api/quality/run", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<ItemsResponse<CheckDto>>(ApiCalls.Json))!.Items;
        return items.Where(c => c.Source == source).ToDictionary(c => c.Check);
    }

    private static string Failing(Dictionary<string, CheckDto> checks) =>
        string.Join(",", checks.Values.Where(c => c.Status == "failed").Select(c => c.Check).Order(StringComparer.Ordinal));

    [Fact]
    public async Task Each_check_fails_when_the_warehouse_is_damaged_the_way_it_checks_for()
    {
        var run = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));
        Assert.Equal(("succeeded", "succeeded"), (run.Status, run.Refresh!.Status));
        // The checks after the run's refresh: all five passed, recorded with that refresh.
        var afterRefresh = await Eventually.WaitForAsync(
            async () => (await _api.GetFromJsonAsync<ItemsResponse<CheckDto>>("/api/quality", ApiCalls.Json))!.Items.Where(c => c.Source == "dummyjson").ToList(),
            items => items.Count == 5, TimeSpan.FromSeconds(30), "the checks after the refresh");
        Assert.All(afterRefresh, c => Assert.Equal(("passed", run.Refresh.RefreshId), (c.Status, c.RefreshId)));
        var reconciled = afterRefresh.Single(c => c.Check == "reconciliation");
        Assert.Equal(("warehouse 194 products, 194 observations", "store 194 products, 194 observations"), (reconciled.Observed, reconciled.Expected));

        DamageWarehouse("DELETE FROM products WHERE product_id = 'dummyjson:1'");
        var checks = await RunChecksAsync("dummyjson");
        Assert.Equal("reconciliation", Failing(checks));
        Assert.Equal("warehouse 193 products, 194 observations", checks["reconciliation"].Observed);
        Assert.Null(checks["reconciliation"].RefreshId); // on demand

        DamageWarehouse("UPDATE products SET price = -0.01 WHERE product_id = 'dummyjson:2'");
        checks = await RunChecksAsync("dummyjson");
        Assert.Equal("reconciliation,valid-prices", Failing(checks));
        Assert.Equal("1 products with a null or negative price", checks["valid-prices"].Observed);

        DamageWarehouse("UPDATE products SET category = ' ' WHERE product_id IN ('dummyjson:3', 'dummyjson:4')");
        DamageWarehouse("INSERT INTO products SELECT * FROM products WHERE product_id = 'dummyjson:5'");
        checks = await RunChecksAsync("dummyjson");
        // The copied row makes the product count whole again (194 rows for 193 ids): counts alone miss it, unique-ids does not.
        Assert.Equal("required-fields,unique-ids,valid-prices", Failing(checks));
        Assert.Equal("warehouse 194 products, 194 observations", checks["reconciliation"].Observed);
        Assert.StartsWith("2 products without a title or category", checks["required-fields"].Observed, StringComparison.Ordinal);
        Assert.StartsWith("1 product ids held by more than one row", checks["unique-ids"].Observed, StringComparison.Ordinal);
        Assert.Equal("passed", checks["freshness"].Status);

        // The history keeps each result, newest first: reconciliation passed after the refresh, failed twice, passed.
        var history = (await _api.GetFromJsonAsync<ItemsResponse<CheckDto>>("/api/quality/history?check=reconciliation&source=dummyjson", ApiCalls.Json))!.Items;
        Assert.Equal(["passed", "failed", "failed", "passed"], history.Select(h => h.Status));
        using var bad = await _api.GetAsync("/api/quality/history?check=prices");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("check", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_that_fails_after_a_refresh_is_posted_as_check_failed()
    {
        await using var strict = new PipelineAppFactory(_catalog, new Dictionary<string, string?>
        {
            ["Pipeline:Notifications:PollInterval"] = "00:00:00.100",
            ["Pipeline:Notifications:Webhooks:0:Url"] = _receiver.Url.ToString(),
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "check.failed",
            // Stale as soon as the run ends: the check after its refresh fails.
            ["Pipeline:Sources:FakeStore:FreshnessMaxAge"] = "00:00:00.001",
        });
        using var api = strict.CreateApiClient();
        var run = await api.WaitForRunAsync(await api.StartRunAsync("fakestore"));
        Assert.Equal("succeeded", run.Refresh!.Status);

        var posted = await Eventually.WaitForAsync(() => Task.FromResult(_receiver.Requests.FirstOrDefault(r => r.Type == "check.failed")),
            r => r is not null, TimeSpan.FromSeconds(30), "check.failed to be posted");
        var data = posted!.Json.GetProperty("data");
        Assert.Equal(("freshness", "fakestore", "failed", run.Refresh.RefreshId),
            (data.GetProperty("check").GetString(), data.GetProperty("source").GetString(), data.GetProperty("status").GetString(), data.GetProperty("refreshId").GetString()));
        Assert.Equal("a successful run within 0 s", data.GetProperty("expected").GetString());
        // Every result of that refresh's checks is recorded (they are raised before they are), and every delivery ended:
        // one check.failed, the other four passed.
        await Eventually.WaitForAsync(
            async () => (await api.GetFromJsonAsync<ItemsResponse<CheckDto>>("/api/quality/history?source=fakestore", ApiCalls.Json))!.Items,
            h => h.Count(c => c.RefreshId == run.Refresh.RefreshId) == 5, TimeSpan.FromSeconds(30), "the five results");
        await Eventually.WaitForAsync(
            async () => (await api.GetFromJsonAsync<ItemsResponse<DeliveryDto>>("/api/notifications/deliveries", ApiCalls.Json))!.Items,
            d => d.All(x => x.Status != "pending"), TimeSpan.FromSeconds(30), "every delivery to end");
        Assert.Single(_receiver.Requests, r => r.Type == "check.failed");
    }
}
