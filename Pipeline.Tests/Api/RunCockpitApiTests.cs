using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>
/// What an operator needs to diagnose a run and act on it, through the REST API on the real host: the run's event log
/// (failed pages, retries with their cause, the refresh), its stage timeline, Retry (only the failed pages), Re-run,
/// the filtered and paged runs list, and the bad inputs of each route.
/// </summary>
public sealed class RunCockpitApiTests : IAsyncLifetime
{
    private const string Page3 = "/dummyjson/products?limit=30&skip=60";
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

    private async Task<PagedResponse<RunEventDto>> EventsAsync(string runId, string query = "") =>
        (await _api.GetFromJsonAsync<PagedResponse<RunEventDto>>($"/api/ingestions/{runId}/events{query}", ApiCalls.Json))!;

    private async Task<List<RunEventDto>> AllEventsAsync(string runId, string filter = "")
    {
        var all = new List<RunEventDto>();
        string? token = null;
        do
        {
            var page = await EventsAsync(runId, $"?limit=5{filter}{(token is null ? "" : $"&pageToken={Uri.EscapeDataString(token)}")}");
            Assert.True(page.Items.Count <= 5);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        } while (token is not null);
        return all;
    }

    private async Task<string> PostForRunAsync(string path, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var response = await _api.PostAsync(path, null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    private static string RunIdOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("runId").GetString()!;

    [Fact]
    public async Task A_failing_page_shows_in_the_log_with_its_retries_and_Retry_fetches_only_that_page()
    {
        for (var i = 0; i < 4; i++) _catalog.Enqueue(Fault.Status(Page3, 503)); // the first try and 3 retries
        var run = await _api.WaitForRunAsync(await _api.StartRunAsync("dummyjson"));
        Assert.Equal("partiallySucceeded", run.Status);

        var events = await AllEventsAsync(run.RunId);
        // Oldest first: the run's lines in the order its stages happened (pages interleave among themselves).
        int IndexOf(Func<RunEventDto, bool> which) => events.FindIndex(e => which(e));
        var planned = IndexOf(e => e.Stage == "plan" && e.Message.StartsWith("Published", StringComparison.Ordinal));
        var finished = IndexOf(e => e.Stage == "store");
        var refreshed = IndexOf(e => e.Stage == "refresh" && e.Message.Contains("counts match", StringComparison.Ordinal));
        Assert.True(0 < planned && planned < IndexOf(e => e.Level == "error") && IndexOf(e => e.Level == "error") < finished && finished < refreshed,
            string.Join(" | ", events.Select(e => $"{e.Stage}:{e.Message}")));
        var failed = Assert.Single(events, e => e.Level == "error");
        Assert.Equal(("fetch", 3, 60), (failed.Stage, failed.Page, failed.Skip));
        Assert.Equal(RawKeys.Page("dummyjson", DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId, 3), failed.RawKey);
        Assert.Contains("503", failed.Message);
        var retries = events.Where(e => e.Level == "warning" && e.Stage == "fetch" && e.Page == 3).ToList();
        Assert.Equal(3, retries.Count);
        Assert.All(retries, r => Assert.StartsWith("503", r.Cause));
        Assert.Equal([2, 3, 4], retries.Select(r => r.Attempt!.Value).Order());
        Assert.Contains(events, e => e is { Stage: "plan", Level: "info" } && e.Message.StartsWith("Published 7 fetch task(s)", StringComparison.Ordinal));
        Assert.Contains(events, e => e is { Stage: "store", Level: "warning" } && e.Message.StartsWith("Run partiallySucceeded", StringComparison.Ordinal));
        Assert.Contains(events, e => e is { Stage: "refresh", Level: "info" } && e.Message.Contains("counts match", StringComparison.Ordinal));
        Assert.Equal(events.Where(e => e.Level == "error").Select(e => e.Message), (await AllEventsAsync(run.RunId, "&level=error")).Select(e => e.Message));
        Assert.All(await AllEventsAsync(run.RunId, "&stage=plan"), e => Assert.Equal("plan", e.Stage));

        // The timeline: every stage started and ended, in order, within the run (the refresh after it).
        Assert.Equal(["plan", "fetch", "transform", "refresh"], run.Timeline.Select(t => t.Stage));
        Assert.All(run.Timeline, t => Assert.True(t.StartedAt is not null && t.FinishedAt >= t.StartedAt, $"{t.Stage}: {t.StartedAt} → {t.FinishedAt}"));
        var stage = run.Timeline.ToDictionary(t => t.Stage);
        Assert.True(stage["plan"].StartedAt <= stage["fetch"].StartedAt && stage["fetch"].StartedAt <= stage["transform"].StartedAt);
        Assert.True(stage["transform"].FinishedAt <= run.FinishedAt && run.FinishedAt <= stage["refresh"].StartedAt);
        Assert.Equal("succeeded", run.Refresh!.Status);

        var retry = await _api.WaitForRunAsync(RunIdOf(await PostForRunAsync($"/api/ingestions/{run.RunId}/retry")));
        Assert.Equal(("succeeded", "retry", run.RunId), (retry.Status, retry.Trigger, retry.ParentRunId));
        Assert.Equal([3], retry.OnlyPages!);
        Assert.Equal((1, 1, 30), (retry.Stages.TasksPublished, retry.Stages.PagesFetched, retry.Stages.ProductsParsed));
        Assert.Equal(5, _catalog.Hits(Page3)); // four failed tries, then the retry's one
        Assert.Equal(run.Options, retry.Options);
        Assert.Contains(await AllEventsAsync(retry.RunId), e => e.Message.Contains($"failed page(s) of run {run.RunId}", StringComparison.Ordinal));

        // Nothing failed in the retry: nothing to retry again.
        var nothing = await PostForRunAsync($"/api/ingestions/{retry.RunId}/retry", HttpStatusCode.Conflict);
        Assert.Contains("Nothing to retry", nothing);
    }

    [Fact]
    public async Task Rerun_starts_the_same_source_and_options_and_Retry_waits_for_the_run_to_end()
    {
        var held = _app.Service<HeldSource>();
        var gate = held.Hold(page => page == 1);
        var runId = await _api.StartRunAsync(HeldSource.SourceName, new { count = 300, pageSize = 100, seed = 7 });
        await Eventually.WaitForAsync(() => _api.GetRunAsync(runId), r => r.Stages.PagesFetched == 2, TimeSpan.FromSeconds(30), "two of three pages");

        var active = await PostForRunAsync($"/api/ingestions/{runId}/retry", HttpStatusCode.Conflict);
        Assert.Contains("still active", active);
        var busy = await PostForRunAsync($"/api/ingestions/{runId}/rerun", HttpStatusCode.Conflict);
        Assert.Equal(runId, JsonDocument.Parse(busy).RootElement.GetProperty("runId").GetString());
        var during = await _api.GetRunAsync(runId);
        Assert.Null(during.Timeline.Single(t => t.Stage == "fetch").FinishedAt); // a page is still out
        Assert.NotNull(during.Timeline.Single(t => t.Stage == "fetch").StartedAt);

        gate.SetResult();
        var run = await _api.WaitForRunAsync(runId);
        var rerun = await _api.WaitForRunAsync(RunIdOf(await PostForRunAsync($"/api/ingestions/{runId}/rerun")));
        Assert.Equal(("succeeded", "rerun", runId, HeldSource.SourceName), (rerun.Status, rerun.Trigger, rerun.ParentRunId, rerun.Source));
        Assert.Equal(run.Options, rerun.Options);
        Assert.Null(rerun.OnlyPages);
        Assert.Equal(3, rerun.Stages.PagesFetched);
        Assert.Equal(300, rerun.Stages.ProductsUnchanged); // the same seed: the same catalog again
    }

    [Fact]
    public async Task The_runs_list_filters_by_source_status_and_trigger_and_pages_past_its_limit()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await _api.WaitForRunAsync(await _api.StartRunAsync("synthetic", new { count = 50 }), andRefresh: false)).RunId);
        var rerun = (await _api.WaitForRunAsync(RunIdOf(await PostForRunAsync($"/api/ingestions/{ids[0]}/rerun")), andRefresh: false)).RunId;
        ids.Add(rerun);
        ids.Reverse();

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = (await _api.GetFromJsonAsync<PagedResponse<RunDto>>(
                $"/api/ingestions?source=synthetic&limit=2{(token is null ? "" : $"&pageToken={Uri.EscapeDataString(token)}")}", ApiCalls.Json))!;
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(r => r.RunId));
            token = page.NextPageToken;
        } while (token is not null);
        Assert.Equal(ids, seen);

        var reruns = (await _api.GetFromJsonAsync<PagedResponse<RunDto>>("/api/ingestions?trigger=rerun", ApiCalls.Json))!;
        Assert.Equal([rerun], reruns.Items.Select(r => r.RunId));
        Assert.Null(reruns.NextPageToken);
        var succeeded = (await _api.GetFromJsonAsync<PagedResponse<RunDto>>("/api/ingestions?status=succeeded&source=synthetic", ApiCalls.Json))!;
        Assert.Equal(ids, succeeded.Items.Select(r => r.RunId));
        Assert.Empty((await _api.GetFromJsonAsync<PagedResponse<RunDto>>("/api/ingestions?status=failed", ApiCalls.Json))!.Items);
        Assert.Empty((await _api.GetFromJsonAsync<PagedResponse<RunDto>>("/api/ingestions?source=fakestore", ApiCalls.Json))!.Items);
    }

    [Theory]
    [InlineData("/api/ingestions?status=done", "status")]
    [InlineData("/api/ingestions?status=Succeeded", "status")]
    [InlineData("/api/ingestions?source=nosuch", "source")]
    [InlineData("/api/ingestions?limit=0", "limit")]
    [InlineData("/api/ingestions?pageToken=not-ours", "pageToken")]
    public async Task Bad_list_parameters_get_400_naming_the_field(string url, string field)
    {
        var response = await _api.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"no error for '{field}' in {errors}");
    }

    [Fact]
    public async Task Bad_event_queries_get_400_and_unknown_runs_404_on_every_new_route()
    {
        var runId = (await _api.WaitForRunAsync(await _api.StartRunAsync("synthetic", new { count = 20 }), andRefresh: false)).RunId;
        foreach (var (query, field) in new[] { ("?level=fatal", "level"), ("?stage=load", "stage"), ("?limit=1001", "limit"), ("?pageToken=%25%25", "pageToken") })
        {
            var response = await _api.GetAsync($"/api/ingestions/{runId}/events{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _), query);
        }
        foreach (var id in new[] { "20260101T000000Z-00000000", "../etc" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/ingestions/{Uri.EscapeDataString(id)}/events")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await _api.PostAsync($"/api/ingestions/{Uri.EscapeDataString(id)}/rerun", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await _api.PostAsync($"/api/ingestions/{Uri.EscapeDataString(id)}/retry", null)).StatusCode);
        }
        var clean = await PostForRunAsync($"/api/ingestions/{runId}/retry", HttpStatusCode.Conflict);
        Assert.Contains("Nothing to retry", clean);
        Assert.Equal(HttpStatusCode.Conflict, (await _api.PostAsync($"/api/ingestions/{runId}/cancel", null)).StatusCode);
    }
}
