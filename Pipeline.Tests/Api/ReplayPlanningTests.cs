using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>
/// How a replay is planned on the real host: one fetching run at a time (the next is published only once the previous
/// one's pages are applied, and a replay whose pages are never applied ends failed after the stall timeout); other runs
/// are planned meanwhile; pages that a cancelled run never applied are left out.
/// </summary>
public sealed class ReplayPlanningTests
{
    private static async Task PutPageAsync(IRawZone rawZone, string runId, DateOnly date, int page, string body, DateTimeOffset fetchedAt)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        await rawZone.PutAsync(RawKeys.Page("dummyjson", date, runId, page), bytes, new RawObjectMetadata
        {
            RunId = runId, Source = "dummyjson", SourceUrl = $"https://dummyjson.com/products?limit=30&skip={(page - 1) * 30}", FetchedAt = fetchedAt,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), Page = page,
        }, CancellationToken.None);
    }

    private static string Page(params int[] ids) =>
        $$"""{"products":[{{string.Join(",", ids.Select(id => $$"""{"id":{{id}},"title":"Item {{id}}","price":{{id}}.5,"category":"misc"}"""))}}],"total":{{ids.Length}},"skip":0,"limit":30}""";

    private static async Task<string> StartReplayAsync(HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/replays", body, ApiCalls.Json);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("runId").GetString()!;
    }

    [Fact]
    public async Task The_next_run_is_published_only_once_the_previous_is_applied_and_other_runs_are_planned_meanwhile()
    {
        // No stream consumer: the first fetching run's pages are published and never applied.
        await using var app = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Local:EventSourceMappings"] = "false",
            ["Pipeline:Limits:ReplayStallTimeout"] = "00:00:02",
        });
        using var api = app.CreateApiClient();
        var rawZone = app.Service<IRawZone>();
        await PutPageAsync(rawZone, "20250101T000000Z-aaaaaaaa", new DateOnly(2025, 1, 1), 1, Page(1, 2), new DateTimeOffset(2025, 1, 1, 0, 0, 5, TimeSpan.Zero));
        await PutPageAsync(rawZone, "20250101T000000Z-aaaaaaaa", new DateOnly(2025, 1, 1), 2, Page(3), new DateTimeOffset(2025, 1, 1, 0, 0, 6, TimeSpan.Zero));
        await PutPageAsync(rawZone, "20250102T000000Z-bbbbbbbb", new DateOnly(2025, 1, 2), 1, Page(1, 2), new DateTimeOffset(2025, 1, 2, 0, 0, 5, TimeSpan.Zero));

        var replayId = await StartReplayAsync(api, new { source = "dummyjson" });
        var waiting = await Eventually.WaitForAsync(() => api.GetRunAsync(replayId), r => r.Stages.TasksPublished > 0, TimeSpan.FromSeconds(30), "the first run's pages");
        Assert.Equal(2, waiting.Stages.TasksPublished); // the first fetching run only

        // While the replay waits, another source's run is planned (its tasks published).
        var other = await api.StartRunAsync("synthetic", new { count = 10 });
        var planned = await Eventually.WaitForAsync(() => api.GetRunAsync(other), r => r.Stages.TasksPublished > 0, TimeSpan.FromSeconds(30), "the other run's plan");
        Assert.Equal(1, planned.Stages.TasksPublished);
        Assert.Equal("running", (await api.GetRunAsync(replayId)).Status);

        var stalled = await api.WaitForRunAsync(replayId, andRefresh: false);
        Assert.Equal(("failed", 2L), (stalled.Status, stalled.Stages.TasksPublished));
        Assert.Contains(stalled.Errors, e => e.StartsWith("replay stalled: 2 published page(s) not applied", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pages_a_cancelled_run_never_applied_are_left_out_and_a_run_the_store_does_not_know_is_replayed_whole()
    {
        await using var app = new PipelineAppFactory();
        using var api = app.CreateApiClient();
        var rawZone = app.Service<IRawZone>();
        var runs = app.Service<IRunStore>();
        var markers = app.Service<IIdempotencyMarkers>();

        // A run cancelled after its first page was transformed and before its second was.
        const string cancelled = "20250301T000000Z-cccccccc";
        var date = new DateOnly(2025, 3, 1);
        await runs.TryCreateRunAsync(new IngestionRun
        {
            RunId = cancelled, Source = "dummyjson", Status = RunStatus.Cancelled, CreatedAt = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero),
        }, CancellationToken.None);
        await PutPageAsync(rawZone, cancelled, date, 1, Page(1), new DateTimeOffset(2025, 3, 1, 0, 0, 1, TimeSpan.Zero));
        await PutPageAsync(rawZone, cancelled, date, 2, Page(2), new DateTimeOffset(2025, 3, 1, 0, 0, 2, TimeSpan.Zero));
        await markers.ApplyOnceAsync(cancelled, $"transform:{RawKeys.Page("dummyjson", date, cancelled, 1)}", [], CancellationToken.None);
        // A run the store has no record of (a raw zone copied from elsewhere).
        const string unknown = "20250302T000000Z-dddddddd";
        await PutPageAsync(rawZone, unknown, new DateOnly(2025, 3, 2), 1, Page(3, 4), new DateTimeOffset(2025, 3, 2, 0, 0, 1, TimeSpan.Zero));

        var replay = await api.WaitForRunAsync(await StartReplayAsync(api, new { source = "dummyjson" }));
        Assert.Equal(("succeeded", 2L, 3L), (replay.Status, replay.Stages.PagesRead, replay.Stages.ProductsUpserted));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await api.GetAsync("/api/products/dummyjson:2")).StatusCode);
        var events = (await api.GetFromJsonAsync<PagedResponse<RunEventDto>>($"/api/ingestions/{replay.RunId}/events?stage=plan", ApiCalls.Json))!.Items;
        Assert.Contains(events, e => e.Message == $"Left out 1 raw page(s) of run {cancelled} that it never applied (it ended cancelled first)");
    }
}
