using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Pipeline.Tests.Browser;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// Many dashboard users while a large Synthetic run is going: 16 REST clients, 8 signed-in page clients and 3 live
/// browser circuits, each with a bounded number of requests. Every answer must be a success; the latencies are
/// measured and reported (docs/reliability.md), not asserted. The run is of the <see cref="HeldSource"/>: its second
/// half is let through when the load starts and its last page is held until the run is cancelled after the load, so
/// the load always overlaps a working run however fast the pipeline gets.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardLoadTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private const int ApiClients = 16;
    private const int PageClients = 8;
    private const int Circuits = 3;
    private const int RequestsPerClient = 40;
    private const int Products = 200_000;
    private const int PageSize = 100;
    private const int Pages = Products / PageSize;
    private PipelineAppFactory _app = null!;
    private Uri _base = null!;

    public Task InitializeAsync()
    {
        _app = new PipelineAppFactory(settings: new Dictionary<string, string?> { ["Pipeline:Security:SignIn:PermitLimit"] = "100" })
        {
            ConfigureServices = HeldSource.Register,
        };
        _app.UseKestrel(0);
        _app.StartServer();
        _base = _app.ClientOptions.BaseAddress;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private sealed record Sample(string Group, string Path, HttpStatusCode Status, double Milliseconds, string? Body = null);

    private static async Task<Sample> TimeAsync(HttpClient client, string group, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        // A refusal keeps its body (a health check's description says which backend did not answer).
        return new Sample(group, path, response.StatusCode, watch.Elapsed.TotalMilliseconds, response.IsSuccessStatusCode ? null : body);
    }

    [Fact]
    public async Task The_dashboard_and_api_keep_answering_many_users_during_a_large_run()
    {
        using var api = new HttpClient { BaseAddress = _base };
        api.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        var held = _app.Service<HeldSource>();
        var secondHalf = held.Hold(page => page > Pages / 2);
        var lastPage = held.Hold(page => page == Pages);
        var runId = await api.StartRunAsync(HeldSource.SourceName, new { count = Products, pageSize = PageSize });
        await Eventually.WaitForAsync(() => api.GetRunAsync(runId), r => r.Stages.PagesTransformed >= 20, TimeSpan.FromSeconds(60), "the run to be under way");
        var before = await api.GetRunAsync(runId);
        var clock = Stopwatch.StartNew();

        string[] apiPaths = ["/api/ingestions", $"/api/ingestions/{runId}", "/api/products?limit=50&sort=price", "/api/metrics/top-categories", "/health"];
        var apiWork = Enumerable.Range(0, ApiClients).Select(async i =>
        {
            using var client = new HttpClient { BaseAddress = _base };
            client.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
            var samples = new List<Sample>();
            for (var n = 0; n < RequestsPerClient; n++)
            {
                var path = apiPaths[(i + n) % apiPaths.Length];
                samples.Add(await TimeAsync(client, path.StartsWith("/health", StringComparison.Ordinal) ? "health" : "api", path));
            }
            return samples;
        });
        string[] pagePaths = ["/", "/runs", $"/runs/{runId}"];
        var pageWork = Enumerable.Range(0, PageClients).Select(async i =>
        {
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = _base };
            await DashboardSession.SignInAsync(client);
            var samples = new List<Sample>();
            for (var n = 0; n < RequestsPerClient; n++) samples.Add(await TimeAsync(client, "page", pagePaths[(i + n) % pagePaths.Length]));
            return samples;
        });
        var circuitWork = Enumerable.Range(0, Circuits).Select(async _ =>
        {
            var page = await browser.Browser.NewPageAsync();
            await using var context = page.Context;
            page.SetDefaultTimeout(60_000);
            await DashboardSignIn.SignInAsync(page, _base.ToString());
            var samples = new List<Sample>();
            for (var n = 0; n < 5; n++)
            {
                var watch = Stopwatch.StartNew();
                await page.GotoAsync($"{_base}runs/{runId}");
                await Assertions.Expect(page.Locator("#run-progress [data-status]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
                samples.Add(new Sample("circuit", "/runs/{id} until live", HttpStatusCode.OK, watch.Elapsed.TotalMilliseconds));
                watch.Restart();
                await page.GotoAsync(_base.ToString());
                await Assertions.Expect(page.Locator("#run-progress [data-status]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
                samples.Add(new Sample("circuit", "/ until live", HttpStatusCode.OK, watch.Elapsed.TotalMilliseconds));
            }
            return samples;
        });

        var load = Task.WhenAll(apiWork.Concat(pageWork).Concat(circuitWork).ToList());
        secondHalf.SetResult();
        var all = (await load).SelectMany(s => s).ToList();
        var seconds = clock.Elapsed.TotalSeconds;
        var after = await api.GetRunAsync(runId);
        // Cancelled rather than finished: the rest of a 200k run would only load the machine other tests run on.
        using var cancel = await api.PostAsync($"/api/ingestions/{runId}/cancel", null);
        lastPage.SetResult();

        Assert.All(all, s => Assert.True(s.Status == HttpStatusCode.OK, $"{s.Path} answered {(int)s.Status}: {s.Body}"));
        Assert.Equal(ApiClients * RequestsPerClient + PageClients * RequestsPerClient + Circuits * 10, all.Count);
        Assert.Equal("running", after.Status); // the load ran while the run did (its last page was held back)
        Assert.True(after.Stages.PagesTransformed > before.Stages.PagesTransformed, "the run kept going under load");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        static object Percentiles(string name, IEnumerable<Sample> samples)
        {
            var sorted = samples.Select(s => s.Milliseconds).Order().ToList();
            double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
            return new { name, requests = sorted.Count, p50 = Math.Round(At(0.50), 1), p95 = Math.Round(At(0.95), 1), max = Math.Round(sorted[^1], 1) };
        }
        var report = all.GroupBy(s => s.Group).OrderBy(g => g.Key).Select(g => Percentiles(g.Key, g)).ToList();
        var byPath = all.GroupBy(s => s.Path.Replace(runId, "{id}", StringComparison.Ordinal)).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Percentiles(g.Key, g)).ToList();
        var summary = new
        {
            clients = new { api = ApiClients, pages = PageClients, circuits = Circuits },
            seconds = Math.Round(seconds, 1),
            requestsPerSecond = Math.Round(all.Count / seconds, 1),
            pagesTransformedDuringLoad = after.Stages.PagesTransformed - before.Stages.PagesTransformed,
            productsPerSecondDuringLoad = Math.Round((after.Stages.ProductsUpserted - before.Stages.ProductsUpserted) / seconds),
            latencyMs = report,
            latencyMsByPath = byPath,
        };
        var json = JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "load-report.json"), json);
    }
}
