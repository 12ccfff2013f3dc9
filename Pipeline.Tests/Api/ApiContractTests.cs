using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>The REST API's contract: authentication, validation answers, status codes.</summary>
public sealed class ApiContractTests : IClassFixture<ApiContractTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public FixtureCatalogServer Catalog { get; private set; } = null!;
        public PipelineAppFactory Factory { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Catalog = await FixtureCatalogServer.StartAsync();
            Factory = new PipelineAppFactory(Catalog);
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Catalog.DisposeAsync();
        }
    }

    private readonly App _app;

    public ApiContractTests(App app) => _app = app;

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Api_requires_a_valid_key(string? key)
    {
        using var client = _app.Factory.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);

        var response = await client.GetAsync("/api/ingestions");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_is_open_and_names_every_backend_to_a_keyed_caller()
    {
        using var anonymous = _app.Factory.CreateClient();
        using var client = _app.Factory.CreateApiClient();
        var open = JsonDocument.Parse(await anonymous.GetStringAsync("/health")).RootElement;
        var health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;

        Assert.Equal("Healthy", open.GetProperty("status").GetString());
        Assert.False(open.GetProperty("checks").GetProperty("stream").TryGetProperty("provider", out _));
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Local", health.GetProperty("checks").GetProperty("stream").GetProperty("provider").GetString());
        Assert.Equal("DuckDb", health.GetProperty("checks").GetProperty("warehouse").GetProperty("provider").GetString());
    }

    [Theory]
    [InlineData("{\"source\":\"nope\"}", "source")]
    [InlineData("{}", "source")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":0}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":\"lots\"}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":{\"a\":1}}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"colour\":\"red\"}}", "options.colour")]
    [InlineData("{\"source\":\"dummyjson\",\"options\":{\"pageSize\":5000}}", "options.pageSize")]
    public async Task Invalid_ingestion_requests_get_400_naming_the_field(string body, string field)
    {
        using var client = _app.Factory.CreateApiClient();

        var response = await client.PostAsync("/api/ingestions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
    }

    [Fact]
    public async Task Malformed_json_gets_a_400()
    {
        using var client = _app.Factory.CreateApiClient();

        var response = await client.PostAsync("/api/ingestions", new StringContent("{\"source\":", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/ingestions/20200101T000000Z-00000000")]
    [InlineData("/api/ingestions/..%2F..%2Fetc")]
    [InlineData("/api/products/dummyjson:999999")]
    [InlineData("/api/products/no-colon")]
    [InlineData("/api/warehouse/refreshes/wr-20200101T000000Z-00000000")]
    public async Task Unknown_ids_get_404(string path)
    {
        using var client = _app.Factory.CreateApiClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/products?sort=colour", "sort")]
    [InlineData("/api/products?limit=0", "limit")]
    [InlineData("/api/products?limit=abc", "limit")]
    [InlineData("/api/products?pageToken=not-a-token", "pageToken")]
    [InlineData("/api/metrics/top-categories?limit=100000", "limit")]
    [InlineData("/api/metrics/price-moves?direction=sideways", "direction")]
    public async Task Invalid_queries_get_400_naming_the_parameter(string path, string field)
    {
        using var client = _app.Factory.CreateApiClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await ProblemAsync(response)).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task FakeStore_ingestion_stores_its_20_products()
    {
        using var client = _app.Factory.CreateApiClient();

        var run = await client.WaitForRunAsync(await client.StartRunAsync("fakestore"), andRefresh: false);

        Assert.Equal("succeeded", run.Status);
        Assert.Equal(1, run.Stages.TasksPublished);
        Assert.Equal(20, run.Stages.ProductsUpserted + run.Stages.ProductsUnchanged);
        var jewelery = (await client.GetFromJsonAsync<ProductPageResponse>("/api/products?source=fakestore&category=jewelery", ApiCalls.Json))!;
        Assert.Equal(4, jewelery.Items.Count);
    }

    [Fact]
    public async Task Warehouse_refresh_on_demand_reaches_succeeded()
    {
        using var client = _app.Factory.CreateApiClient();

        var response = await client.PostAsync("/api/warehouse/refresh", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var refreshId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("refreshId").GetString()!;
        var refresh = await Eventually.WaitForAsync(
            async () => (await client.GetFromJsonAsync<RefreshDto>($"/api/warehouse/refreshes/{refreshId}", ApiCalls.Json))!,
            r => r.Status is "succeeded" or "failed", TimeSpan.FromSeconds(30), "the refresh");
        Assert.Equal("succeeded", refresh.Status);
    }
}
