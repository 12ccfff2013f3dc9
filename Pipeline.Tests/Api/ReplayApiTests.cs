using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>
/// Replay on the real host and the embedded backends: a store and warehouse rebuilt from a copied raw zone alone, with
/// the source down, equal the originals (products with their times and lineage, price history with times, metrics); a
/// replay over data already there changes nothing; replays limited to a run and to dates; lineage on the product API;
/// an unreadable raw page quarantined; the bad inputs.
/// </summary>
public sealed class ReplayApiTests : IAsyncLifetime
{
    private FixtureCatalogServer _catalog = null!;
    private PipelineAppFactory _app = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _catalog = await FixtureCatalogServer.StartAsync();
        _app = new PipelineAppFactory(_catalog) { ConfigureServices = HeldSource.Register };
        _api = _app.CreateApiClient();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
        await _catalog.DisposeAsync();
    }

    private static async Task<string> StartReplayAsync(HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/replays", body, ApiCalls.Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/replays: expected 202, got {(int)response.StatusCode}: {text}");
        Assert.Equal($"/api/ingestions/{JsonDocument.Parse(text).RootElement.GetProperty("runId").GetString()}", response.Headers.Location?.OriginalString);
        return JsonDocument.Parse(text).RootElement.GetProperty("runId").GetString()!;
    }

    /// <summary>Three DummyJSON runs with prices moving between them (one back to where it was) and a broken record in the second.</summary>
    private async Task<List<RunDto>> IngestThreeEpochsAsync()
    {
        var runs = new List<RunDto>();
        runs.Add(await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson")));
        var original = _catalog.DummyProducts[0]!["price"]!.GetValue<decimal>();
        _catalog.DummyProducts[0]!["price"] = original + 1.5m;
        _catalog.DummyProducts[40]!["price"] = 1234.56m;
        _catalog.DummyProducts[100]!.AsObject().Remove("title");
        runs.Add(await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson")));
        _catalog.DummyProducts[0]!["price"] = original;
        _catalog.DummyProducts[100]!["title"] = "Back again";
        _catalog.DummyProducts[150]!["stock"] = 0;
        runs.Add(await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson")));
        Assert.All(runs, r => Assert.Equal("succeeded", r.Refresh?.Status));
        return runs;
    }


    private static async Task<string> MetricsAsync(HttpClient api)
    {
        var parts = new List<string>();
        foreach (var path in new[]
                 {
                     "/api/metrics/top-categories?limit=100", "/api/metrics/cheapest-products?limit=100", "/api/metrics/price-changes?limit=500",
                     "/api/warehouse/reconciliation",
                 })
        {
            var body = await api.GetStringAsync(path);
            // The reconciliation is stamped with the time it was asked for.
            if (path.Contains("reconciliation", StringComparison.Ordinal)) body = JsonNode.Parse(body)!["items"]!.ToJsonString();
            parts.Add($"{path}: {body}");
        }
        return string.Join("\n", parts);
    }

    [Fact]
    public async Task A_store_and_warehouse_rebuilt_from_a_copied_raw_zone_alone_equal_the_originals_and_a_second_replay_changes_nothing()
    {
        var runs = await IngestThreeEpochsAsync();
        var original = await StoreSnapshot.TakeAsync(_app.Service<IProductStore>());
        var originalMetrics = await MetricsAsync(_api);
        Assert.Contains(original, p => p.History.Count == 3); // 10 → 11.5 → 10: three observations
        Assert.Contains(original, p => p.History.Count == 2);
        var rawPages = runs.Sum(r => r.Stages.RawObjects);
        Assert.Equal(21, rawPages);

        // The source goes down; a new instance starts on an empty data directory holding only a copy of the raw zone.
        await _catalog.DisposeAsync();
        var copy = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        CopyPreservingAttributes(Path.Combine(_app.DataDirectory, "rawzone"), Path.Combine(copy, "rawzone"));
        await using var rebuilt = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Sources:DummyJson:BaseUrl"] = "http://127.0.0.1:9/", // nothing listens: a fetch would fail
        }, dataDirectory: copy);
        using var api = rebuilt.CreateApiClient();
        Assert.Empty(await StoreSnapshot.TakeAsync(rebuilt.Service<IProductStore>()));

        var replayId = await StartReplayAsync(api, new { source = "dummyjson" });
        var replay = await api.WaitForRunAsync(replayId);
        Assert.Equal(("replay", "partiallySucceeded"), (replay.Trigger, replay.Status)); // the broken record is quarantined again
        Assert.Equal((0L, rawPages, rawPages, 0L), (replay.Stages.PagesFetched, replay.Stages.PagesRead, replay.Stages.PagesTransformed, replay.Stages.PagesFailed));
        Assert.Equal(runs.Sum(r => r.Stages.RawBytes), replay.Stages.BytesRead);
        Assert.Equal(runs.Sum(r => r.Stages.ProductsRejected), replay.Stages.ProductsRejected);
        Assert.Equal("succeeded", replay.Refresh?.Status);

        var rebuiltSnapshot = await StoreSnapshot.TakeAsync(rebuilt.Service<IProductStore>());
        Assert.Equal(original.Count, rebuiltSnapshot.Count);
        for (var i = 0; i < original.Count; i++)
        {
            Assert.Equal(original[i].Product, rebuiltSnapshot[i].Product);
            Assert.Equal(original[i].Tags, rebuiltSnapshot[i].Tags);
            Assert.Equal(original[i].History, rebuiltSnapshot[i].History);
        }
        Assert.Equal(originalMetrics, await MetricsAsync(api));

        // Replaying over what is there: nothing changes.
        var again = await api.WaitForRunAsync(await StartReplayAsync(api, new { source = "dummyjson" }));
        Assert.Equal((rawPages, 0L, 0L), (again.Stages.PagesRead, again.Stages.ProductsUpserted, again.Stages.PriceChanges));
        Assert.Equal(runs.Sum(r => r.Stages.ProductsParsed - r.Stages.ProductsRejected), again.Stages.ProductsUnchanged);
        var afterSecond = await StoreSnapshot.TakeAsync(rebuilt.Service<IProductStore>());
        for (var i = 0; i < original.Count; i++)
        {
            Assert.Equal(original[i].Product, afterSecond[i].Product);
            Assert.Equal(original[i].History, afterSecond[i].History);
        }
    }

    private static void CopyPreservingAttributes(string from, string to)
    {
        // cp -a keeps each object's metadata (an extended attribute, or the .meta.json beside it): a copy as an operator makes it.
        using var cp = Process.Start(new ProcessStartInfo("cp", ["-a", from, to]) { RedirectStandardError = true })!;
        var error = cp.StandardError.ReadToEnd();
        cp.WaitForExit();
        Assert.True(cp.ExitCode == 0, $"cp -a failed: {error}");
    }

    [Fact]
    public async Task Lineage_names_the_raw_record_each_product_and_price_came_from()
    {
        var runs = await IngestThreeEpochsAsync();
        var product = (await _api.GetFromJsonAsync<ProductDetailDto>("/api/products/dummyjson:1", ApiCalls.Json))!;
        var lineage = Assert.IsType<LineageDto>(product.Lineage);
        // The price went back in the third run: that page made the current state.
        Assert.Equal(runs[2].RunId, lineage.RunId);
        Assert.Equal(RawKeys.Page("dummyjson", DateOnly.FromDateTime(runs[2].CreatedAt.UtcDateTime), runs[2].RunId, 1), lineage.RawKey);
        Assert.Equal(0, lineage.RecordIndex);
        Assert.Equal(product.LastChanged, lineage.FetchedAt);
        var rawZone = _app.Service<IRawZone>();
        var raw = (await rawZone.GetAsync(lineage.RawKey, CancellationToken.None))!;
        Assert.Equal(lineage.FetchedAt, raw.Metadata.FetchedAt);
        var record = JsonNode.Parse(raw.Bytes.ToArray())!["products"]![lineage.RecordIndex!.Value]!;
        Assert.Equal(1, record["id"]!.GetValue<int>());
        Assert.Equal(product.Price, record["price"]!.GetValue<decimal>());

        Assert.Equal(runs.Select(r => r.RunId), product.PriceHistory.Select(h => h.RunId));
        foreach (var point in product.PriceHistory)
        {
            var page = (await rawZone.GetAsync(point.RawKey!, CancellationToken.None))!;
            Assert.Equal(point.ObservedAt, page.Metadata.FetchedAt);
            Assert.Equal(point.Price, JsonNode.Parse(page.Bytes.ToArray())!["products"]![0]!["price"]!.GetValue<decimal>());
        }

        // A product on the second page: record 10 of page 2 (skip 30).
        var forty = (await _api.GetFromJsonAsync<ProductDetailDto>("/api/products/dummyjson:41", ApiCalls.Json))!;
        Assert.Equal((runs[1].RunId, 10), (forty.Lineage!.RunId, forty.Lineage.RecordIndex));
        Assert.EndsWith("/page-000002.json", forty.Lineage.RawKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replay_limited_to_a_run_or_to_dates_reads_only_those_pages()
    {
        var runs = await IngestThreeEpochsAsync();
        var second = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = "dummyjson", runId = runs[1].RunId }));
        Assert.Equal((7L, 0L, 0L, runs[1].RunId), (second.Stages.PagesRead, second.Stages.ProductsUpserted, second.Stages.PriceChanges, second.ParentRunId));
        Assert.Equal(runs[1].RunId, second.Options["runId"]);

        // A page of an earlier day, put in the raw zone as the fetch stage would have: only a range holding its day reads it.
        var rawZone = _app.Service<IRawZone>();
        var oldRun = "20250301T101500Z-0a0b0c0d";
        var oldKey = RawKeys.Page("dummyjson", new DateOnly(2025, 3, 1), oldRun, 1);
        var oldPage = """{"products":[{"id":9001,"title":"Old lamp","price":5.25,"category":"lighting"}],"total":1,"skip":0,"limit":30}"""u8.ToArray();
        await rawZone.PutAsync(oldKey, oldPage, new RawObjectMetadata
        {
            RunId = oldRun, Source = "dummyjson", SourceUrl = "https://dummyjson.com/products?limit=30&skip=0",
            FetchedAt = new DateTimeOffset(2025, 3, 1, 10, 15, 30, TimeSpan.Zero), Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(oldPage)),
        }, CancellationToken.None);

        var march = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = "dummyjson", from = "2025-02-01", to = "2025-03-31" }));
        Assert.Equal((1L, 1L, 1L), (march.Stages.PagesRead, march.Stages.ProductsUpserted, march.Stages.ProductsParsed));
        Assert.Equal(("2025-02-01", "2025-03-31"), (march.Options["from"], march.Options["to"]));
        var lamp = (await _api.GetFromJsonAsync<ProductDetailDto>("/api/products/dummyjson:9001", ApiCalls.Json))!;
        Assert.Equal((new DateTimeOffset(2025, 3, 1, 10, 15, 30, TimeSpan.Zero), oldRun, oldKey), (lamp.FirstSeen, lamp.Lineage!.RunId, lamp.Lineage.RawKey));

        var today = DateOnly.FromDateTime(runs[0].CreatedAt.UtcDateTime).ToString("yyyy-MM-dd");
        var fromToday = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = "dummyjson", from = today }));
        Assert.Equal((21L, 0L), (fromToday.Stages.PagesRead, fromToday.Stages.ProductsUpserted));
        var upToMarch = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = "dummyjson", to = "2025-12-31" }));
        Assert.Equal((1L, 0L, 1L), (upToMarch.Stages.PagesRead, upToMarch.Stages.ProductsUpserted, upToMarch.Stages.ProductsUnchanged));
        var all = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = "dummyjson" }));
        Assert.Equal((22L, 0L, 0L), (all.Stages.PagesRead, all.Stages.ProductsUpserted, all.Stages.PriceChanges));
    }

    [Fact]
    public async Task A_raw_page_that_cannot_be_read_is_quarantined_with_its_reason_and_the_replay_goes_on()
    {
        var run = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));
        var rawZone = _app.Service<IRawZone>();
        var key = RawKeys.Page("dummyjson", DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId, 2);
        var page = (await rawZone.GetAsync(key, CancellationToken.None))!;
        await rawZone.PutAsync(key, "{\"products\": [ {\"id\": 61, "u8.ToArray(), page.Metadata, CancellationToken.None); // truncated

        var replay = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = "dummyjson", runId = run.RunId }));
        Assert.Equal(("partiallySucceeded", 7L, 0L), (replay.Status, replay.Stages.PagesRead, replay.Stages.ProductsUpserted));
        var error = Assert.Single(replay.Errors);
        Assert.StartsWith(key + ": ", error, StringComparison.Ordinal);
        var events = (await _api.GetFromJsonAsync<PagedResponse<RunEventDto>>($"/api/ingestions/{replay.RunId}/events?level=error", ApiCalls.Json))!;
        var line = Assert.Single(events.Items);
        Assert.Equal(("transform", 2, key), (line.Stage, line.Page, line.RawKey));
        Assert.Contains($"of run {run.RunId}", line.Message, StringComparison.Ordinal);
        // What was there before stays: the broken copy changes no product.
        Assert.Equal(194L, (await _api.GetFromJsonAsync<JsonElement>("/api/warehouse/reconciliation", ApiCalls.Json)).GetProperty("items")[0].GetProperty("storeProducts").GetInt64());
    }

    [Fact]
    public async Task Bad_replay_requests_get_problem_details_naming_the_field()
    {
        var run = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));

        async Task Refused(object? body, HttpStatusCode status, string field)
        {
            var response = body is string raw
                ? await _api.PostAsync("/api/replays", new StringContent(raw, System.Text.Encoding.UTF8, "application/json"))
                : await _api.PostAsJsonAsync("/api/replays", body, ApiCalls.Json);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{JsonSerializer.Serialize(body)}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{text} does not name '{field}'");
        }

        await Refused(new { source = "nowhere" }, HttpStatusCode.BadRequest, "source");
        await Refused(new { }, HttpStatusCode.BadRequest, "source");
        await Refused("""{"source": 7}""", HttpStatusCode.BadRequest, "source");
        await Refused(new { source = "dummyjson", from = "2026-13-01" }, HttpStatusCode.BadRequest, "from");
        await Refused(new { source = "dummyjson", to = "yesterday" }, HttpStatusCode.BadRequest, "to");
        await Refused("""{"source": "dummyjson", "from": 20260101}""", HttpStatusCode.BadRequest, "from");
        await Refused(new { source = "dummyjson", from = "2026-02-02", to = "2026-02-01" }, HttpStatusCode.BadRequest, "from");
        await Refused(new { source = "dummyjson", runId = run.RunId, from = "2026-02-01" }, HttpStatusCode.BadRequest, "runId");
        await Refused(new { source = "fakestore", runId = run.RunId }, HttpStatusCode.BadRequest, "runId");
        await Refused(new { source = "dummyjson", runId = "20250101T000000Z-deadbeef" }, HttpStatusCode.NotFound, "runId");
        await Refused(new { source = "dummyjson", runId = "no/such/run" }, HttpStatusCode.NotFound, "runId");
        await Refused(new { source = "dummyjson", from = "2001-01-01", to = "2001-01-31" }, HttpStatusCode.NotFound, "from");
        await Refused(new { source = "dummyjson", from = "2999-01-01" }, HttpStatusCode.NotFound, "from");
        await Refused(new { source = "fakestore" }, HttpStatusCode.NotFound, "source");

        // A replay while the source has an active run: 409 naming that run.
        var held = _app.Service<HeldSource>();
        var gate = held.Hold(_ => true);
        var live = await _api.StartRunAsync(HeldSource.SourceName, new { count = 10 });
        gate.SetResult();
        var heldRun = await _api.WaitForRunAsync(live);
        var gate2 = held.Hold(_ => true);
        var active = await _api.StartRunAsync(HeldSource.SourceName, new { count = 10 });
        var conflict = await _api.PostAsJsonAsync("/api/replays", new { source = HeldSource.SourceName }, ApiCalls.Json);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(active, JsonDocument.Parse(await conflict.Content.ReadAsStringAsync()).RootElement.GetProperty("runId").GetString());
        gate2.SetResult();
        await _api.WaitForRunAsync(active);
        var replayOfHeld = await _api.WaitForRunAsync(await StartReplayAsync(_api, new { source = HeldSource.SourceName, runId = heldRun.RunId }));
        Assert.Equal((1L, 0L), (replayOfHeld.Stages.PagesRead, replayOfHeld.Stages.PagesFetched));
    }
}
