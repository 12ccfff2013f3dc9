using System.Text.Json;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api;

/// <summary>
/// The refresh's contract on the wire: a run names its refresh (<c>refresh: {refreshId, status, error}</c>), a refresh
/// lists its attempts, and <c>GET /api/warehouse/reconciliation</c> compares the store's counts with the warehouse's.
/// Field names are read from the JSON itself, as scripts read them.
/// </summary>
public sealed class WarehouseRefreshApiTests : IAsyncLifetime
{
    private PipelineAppFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new PipelineAppFactory();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_run_names_its_refresh_and_the_reconciliation_matches_after_it()
    {
        using var api = _factory.CreateApiClient();
        var before = JsonDocument.Parse(await api.GetStringAsync("/api/warehouse/reconciliation")).RootElement;
        Assert.Empty(before.GetProperty("items").EnumerateArray());

        var runId = await api.StartRunAsync("synthetic", new { count = 3_000, seed = 7 });
        await api.WaitForRunAsync(runId);

        var run = JsonDocument.Parse(await api.GetStringAsync($"/api/ingestions/{runId}")).RootElement;
        var refresh = run.GetProperty("refresh");
        Assert.Equal("succeeded", refresh.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, refresh.GetProperty("error").ValueKind);
        var refreshId = refresh.GetProperty("refreshId").GetString();
        var listed = JsonDocument.Parse(await api.GetStringAsync("/api/ingestions?limit=5")).RootElement.GetProperty("items")[0];
        Assert.Equal(refreshId, listed.GetProperty("refresh").GetProperty("refreshId").GetString());

        var detail = JsonDocument.Parse(await api.GetStringAsync($"/api/warehouse/refreshes/{refreshId}")).RootElement;
        Assert.Equal($"run:{runId}", detail.GetProperty("trigger").GetString());
        var attempt = Assert.Single(detail.GetProperty("attempts").EnumerateArray().ToList());
        Assert.Equal((1, "succeeded"), (attempt.GetProperty("attempt").GetInt32(), attempt.GetProperty("status").GetString()));
        Assert.Equal(3_000, attempt.GetProperty("productsLoaded").GetInt64());
        Assert.False(attempt.GetProperty("fullReload").GetBoolean());
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("nextAttemptAt").ValueKind);

        var reconciliation = JsonDocument.Parse(await api.GetStringAsync("/api/warehouse/reconciliation")).RootElement;
        Assert.True(reconciliation.GetProperty("asOf").TryGetDateTimeOffset(out _));
        Assert.True(reconciliation.GetProperty("matches").GetBoolean());
        var item = Assert.Single(reconciliation.GetProperty("items").EnumerateArray().ToList());
        Assert.Equal("synthetic", item.GetProperty("source").GetString());
        Assert.Equal(3_000, item.GetProperty("storeProducts").GetInt64());
        Assert.Equal(3_000, item.GetProperty("warehouseProducts").GetInt64());
        Assert.Equal(3_000, item.GetProperty("storeObservations").GetInt64());
        Assert.Equal(3_000, item.GetProperty("warehouseObservations").GetInt64());
        Assert.True(item.GetProperty("matches").GetBoolean());
    }

    [Fact]
    public async Task The_reconciliation_needs_an_api_key()
    {
        using var anonymous = _factory.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/warehouse/reconciliation")).StatusCode);
    }
}
