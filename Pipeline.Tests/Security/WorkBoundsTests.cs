using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Sources;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// One key holder cannot ask for unbounded work: the synthetic source's <c>pageSize</c> is 1‥1000 like the HTTP
/// sources', and a run may plan at most <c>Pipeline:Limits:MaxPagesPerRun</c> pages (default 10,000). Beyond either: a
/// 400 naming <c>options.pageSize</c> from the REST API and the trigger Lambda alike, and no run recorded.
/// </summary>
public sealed class WorkBoundsTests : IClassFixture<WorkBoundsTests.App>
{
    public const int MaxPages = 5;

    /// <summary>The Web host with a five-page bound and the fixture catalogs.</summary>
    public sealed class App : IAsyncLifetime
    {
        public FixtureCatalogServer Catalog { get; private set; } = null!;
        public PipelineAppFactory Factory { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Catalog = await FixtureCatalogServer.StartAsync();
            Factory = new PipelineAppFactory(Catalog, new Dictionary<string, string?> { ["Pipeline:Limits:MaxPagesPerRun"] = $"{MaxPages}" });
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Catalog.DisposeAsync();
        }
    }

    private readonly App _app;

    public WorkBoundsTests(App app) => _app = app;

    private async Task<(HttpStatusCode Status, JsonElement Body)> StartAsync(string source, object options)
    {
        using var client = _app.Factory.CreateApiClient();
        using var response = await client.PostAsJsonAsync("/api/ingestions", new { source, options });
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    private static string ErrorOf(JsonElement problem, string field)
    {
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"errors should name '{field}': {problem}");
        return messages[0].GetString()!;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    [InlineData(10_000)]
    public async Task A_synthetic_page_size_outside_the_http_sources_range_is_a_400(int pageSize)
    {
        var (status, problem) = await StartAsync("synthetic", new { count = 10, pageSize });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("between 1 and 1000", ErrorOf(problem, "options.pageSize"));
    }

    [Fact]
    public async Task A_run_planning_more_pages_than_the_bound_is_a_400_naming_the_bound_and_records_nothing()
    {
        using var client = _app.Factory.CreateApiClient();
        var runsBefore = (await client.GetFromJsonAsync<JsonElement>("/api/ingestions?source=synthetic")).GetProperty("items").GetArrayLength();

        var (tooMany, problem) = await StartAsync("synthetic", new { count = 10_000_000, pageSize = 1 });
        var (oneOver, _) = await StartAsync("synthetic", new { count = MaxPages * 10 + 1, pageSize = 10 });

        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, oneOver);
        var message = ErrorOf(problem, "options.pageSize");
        Assert.Contains("10,000,000 pages", message);
        Assert.Contains("Pipeline:Limits:MaxPagesPerRun", message);
        Assert.Equal(runsBefore, (await client.GetFromJsonAsync<JsonElement>("/api/ingestions?source=synthetic")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_run_at_the_bound_is_accepted_and_plans_exactly_that_many_pages()
    {
        using var client = _app.Factory.CreateApiClient();

        var run = await client.WaitForRunAsync(await client.StartRunAsync("synthetic", new { count = MaxPages * 10, pageSize = 10 }), andRefresh: false);

        Assert.Equal("succeeded", run.Status);
        Assert.Equal(MaxPages, run.Stages.TasksPlanned);
    }

    [Fact]
    public async Task An_http_source_whose_plan_exceeds_the_bound_fails_at_planning_without_publishing()
    {
        using var client = _app.Factory.CreateApiClient();

        // The fixture catalog has more than 5 × 30 products: its plan is known only once the source answers.
        var run = await client.WaitForRunAsync(await client.StartRunAsync("dummyjson", new { pageSize = 30 }), andRefresh: false);

        Assert.Equal("failed", run.Status);
        Assert.Equal(0, run.Stages.TasksPublished);
        Assert.Contains(run.Errors, e => e.Contains("Pipeline:Limits:MaxPagesPerRun", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_trigger_lambda_applies_the_same_bounds()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Pipeline:DataDirectory"] = dataDirectory, ["Pipeline:Limits:MaxPagesPerRun"] = $"{MaxPages}",
            };
            await using var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
                logging => logging.ClearProviders(), EmbeddedAdapters.Add);
            var function = new TriggerIngestionFunction(services);
            async Task<JsonElement> TriggerAsync(string body)
            {
                await using var output = await function.HandleAsync(new MemoryStream(LambdaEvents.HttpPost(body)));
                return (await JsonDocument.ParseAsync(output)).RootElement.Clone();
            }

            var tooMany = await TriggerAsync("{\"source\":\"synthetic\",\"options\":{\"count\":10000000,\"pageSize\":1}}");
            var tooLarge = await TriggerAsync("{\"source\":\"synthetic\",\"options\":{\"count\":10,\"pageSize\":1001}}");

            Assert.Equal(400, tooMany.GetProperty("statusCode").GetInt32());
            Assert.Contains("Pipeline:Limits:MaxPagesPerRun", ErrorOf(JsonDocument.Parse(tooMany.GetProperty("body").GetString()!).RootElement, "options.pageSize"));
            Assert.Equal(400, tooLarge.GetProperty("statusCode").GetInt32());
            ErrorOf(JsonDocument.Parse(tooLarge.GetProperty("body").GetString()!).RootElement, "options.pageSize");
        }
        finally
        {
            try { Directory.Delete(dataDirectory, recursive: true); }
            catch (IOException) { /* reclaimed with the temp space */ }
        }
    }

    [Fact]
    public void The_default_bound_is_ten_thousand_pages_which_holds_ten_million_products_in_pages_of_a_thousand()
    {
        var source = new SyntheticSource(Options.Create(new SyntheticOptions()), TimeProvider.System, Options.Create(new RunLimitsOptions()));

        Assert.Equal(10_000, new RunLimitsOptions().MaxPagesPerRun);
        Assert.Equal("1000", source.NormalizeOptions(new Dictionary<string, string> { ["count"] = "10000000", ["pageSize"] = "1000" })["pageSize"]);
        Assert.Equal("100", source.NormalizeOptions(new Dictionary<string, string> { ["count"] = "1000000" })["pageSize"]); // the default page size
        var error = Assert.Throws<InvalidOptionException>(() => source.NormalizeOptions(new Dictionary<string, string> { ["count"] = "10000000", ["pageSize"] = "999" }));
        Assert.Equal("options.pageSize", error.Field);
        Assert.Contains("at least 1,000", error.Message);
    }

    [Theory]
    [InlineData("Pipeline:Limits:MaxPagesPerRun", "0")]
    [InlineData("Pipeline:Sources:Synthetic:PageSize", "1001")]
    public void An_out_of_range_bound_stops_the_start_naming_the_setting(string key, string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value, ["Pipeline:DataDirectory"] = Path.GetTempPath() })
            .Build();
        using var provider = new ServiceCollection().AddLogging().AddPipelineCore(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<RunLimitsOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<SyntheticOptions>>().Value;
        });
        Assert.Contains(key.Split(':')[^1], error.Message);
    }
}
