using System.Net;
using System.Net.Http.Headers;
using Pipeline.Tests.Support;
using Pipeline.Tests.Telemetry.Support;

namespace Pipeline.Tests.Telemetry;

/// <summary>
/// <c>GET /metrics</c> answers the Prometheus text format for an API key (Bearer or X-Api-Key), with the pipeline's
/// series labelled by source after a run; without a key it is 401, also for a signed-in browser. No OTEL_* setting.
/// </summary>
public sealed class PrometheusMetricsTests : IDisposable
{
    private readonly PipelineAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task After_a_run_the_scrape_has_the_pipeline_series_of_its_source()
    {
        using var api = _factory.CreateApiClient();
        var run = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 100, pageSize = 50, seed = 5 }));
        Assert.Equal("succeeded", run.Status);

        using var scraper = _factory.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PipelineAppFactory.ApiKey);
        using var response = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var metrics = PrometheusText.Parse(text);

        double Value(string name, params (string Label, string Value)[] labels) =>
            metrics.Samples.Where(s => s.Name == name && labels.All(l => s.Has(l.Label, l.Value))).Sum(s => s.Value);

        Assert.Equal("counter", metrics.Types["pipeline_pages_fetched_total"]);
        Assert.True(Value("pipeline_pages_fetched_total", ("pipeline_source", "synthetic")) >= 2, text);
        Assert.True(Value("pipeline_products_parsed_total", ("pipeline_source", "synthetic")) >= 100, text);
        Assert.True(Value("pipeline_products_upserted_total", ("pipeline_source", "synthetic")) >= 1, text);
        Assert.True(Value("pipeline_runs_total", ("pipeline_source", "synthetic"), ("pipeline_status", "succeeded")) >= 1, text);
        Assert.Equal("histogram", metrics.Types["pipeline_stage_duration_seconds"]);
        foreach (var stage in new[] { "plan", "fetch", "transform" })
            Assert.True(Value("pipeline_stage_duration_seconds_count", ("pipeline_stage", stage), ("pipeline_source", "synthetic")) >= 1, $"{stage}:\n{text}");
        Assert.True(Value("pipeline_refresh_duration_seconds_count", ("pipeline_status", "succeeded")) >= 1, text);
        Assert.Contains(metrics.Samples, s => s.Name == "pipeline_stream_consumer_lag_milliseconds" && s.Labels.ContainsKey("pipeline_shard"));
        Assert.Contains(metrics.Samples, s => s.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal)); // ASP.NET Core
    }

    [Fact]
    public async Task The_scrape_needs_an_api_key_as_bearer_or_header()
    {
        using var anonymous = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);

        using var wrong = _factory.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/metrics")).StatusCode);

        using var browser = await _factory.CreateSignedInClientAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/metrics")).StatusCode);

        using var bearer = _factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PipelineAppFactory.ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/metrics")).StatusCode);

        using var header = _factory.CreateApiClient(); // X-Api-Key
        using var response = await header.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(PrometheusText.Parse(await response.Content.ReadAsStringAsync()).Samples);
    }
}
