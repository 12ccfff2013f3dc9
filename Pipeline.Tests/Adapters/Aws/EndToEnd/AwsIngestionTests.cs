using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Serialization;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// The real Web host with the Kinesis stream, the S3 raw zone and the DynamoDB stores, on the local AWS-API servers,
/// after one full ingestion of the DummyJSON fixture (served with the real paging by <see cref="FixtureCatalogServer"/>).
/// </summary>
public sealed class AwsIngestionFixture : IAsyncLifetime
{
    private PipelineAppFactory? _app;

    internal AwsStack Stack { get; private set; } = null!;

    public FixtureCatalogServer Catalog { get; private set; } = null!;

    public WebApplicationFactory<Program> Host { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    /// <summary>The webhook every event goes to (the outbox and markers live in the DynamoDB runs table).</summary>
    public WebhookReceiver Webhook { get; private set; } = null!;

    /// <summary>The first run, ended (and its warehouse refresh too).</summary>
    public RunDto FirstRun { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await AwsStack.CreateAsync("ingest");
        Catalog = await FixtureCatalogServer.StartAsync();
        Webhook = await WebhookReceiver.StartAsync();
        var settings = Stack.Settings();
        settings["Pipeline:Notifications:PollInterval"] = "00:00:00.200";
        settings["Pipeline:Notifications:Webhooks:0:Url"] = Webhook.Url.ToString();
        settings["Pipeline:Notifications:Webhooks:0:Secret"] = "aws-webhook-secret";
        _app = new PipelineAppFactory(Catalog, settings);
        Host = AwsStack.StartHost(_app, settings);
        Api = Host.CreateClient();
        Api.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        FirstRun = await Api.WaitForRunAsync(await Api.StartRunAsync("dummyjson"));
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_app is not null) await _app.DisposeAsync(); // disposes the derived host too
        if (Catalog is not null) await Catalog.DisposeAsync();
        if (Webhook is not null) await Webhook.DisposeAsync();
        if (Stack is not null) await Stack.DisposeAsync();
    }
}

/// <summary>
/// What one ingestion on the AWS adapters leaves in DynamoDB, S3 and Kinesis, read back with independent clients
/// (the SDK, the Kinesis adapter on its own client, the AWS CLI); and a second identical run that changes nothing.
/// </summary>
public sealed class AwsIngestionTests(AwsIngestionFixture fixture) : IClassFixture<AwsIngestionFixture>
{
    private const int Products = 194;
    private const int Pages = 7; // ceil(194 / 30)
    private const int PageSize = 30;

    private AwsStack Stack => fixture.Stack;

    private RunDto Run => fixture.FirstRun;

    private string RunPrefix => RawKeys.RunPrefix("dummyjson", DateOnly.FromDateTime(Run.CreatedAt.UtcDateTime), Run.RunId);

    [Fact]
    public async Task The_run_succeeds_and_DynamoDB_holds_all_194_products_with_one_price_observation_each()
    {
        Assert.True(Run.Status == "succeeded", $"run {Run.RunId} ended {Run.Status}: {string.Join("; ", Run.Errors)}");
        Assert.Equal(Pages, Run.Stages.TasksPublished);
        Assert.Equal(Pages, Run.Stages.PagesFetched);
        Assert.Equal(Pages, Run.Stages.PagesTransformed);
        Assert.Equal(Products, Run.Stages.ProductsUpserted);

        var items = await Stack.ScanAsync(Stack.Tables.ProductsTable);
        var fixtureProducts = JsonNode.Parse(SharedFixtures.ReadBytes("dummyjson", "products.json"))!.AsArray();
        Assert.Equal(fixtureProducts.Select(p => $"dummyjson:{(int)p!["id"]!}").Order(StringComparer.Ordinal),
            items.Select(i => i["pk"].S).Order(StringComparer.Ordinal));
        var byId = items.ToDictionary(i => i["pk"].S);
        foreach (var product in fixtureProducts)
        {
            var item = byId[$"dummyjson:{(int)product!["id"]!}"];
            Assert.Equal((string)product["title"]!, item["title"].S);
            Assert.Equal((decimal)product["price"]!, decimal.Parse(item["price"].N, CultureInfo.InvariantCulture));
        }

        var observations = await Stack.ScanAsync(Stack.Tables.PriceHistoryTable);
        Assert.Equal(byId.Keys.Order(StringComparer.Ordinal), observations.Select(o => o["pk"].S).Order(StringComparer.Ordinal));
        Assert.All(observations, o => Assert.Equal(Run.RunId, o["runId"].S));
        Assert.Equal(Products, await fixture.Host.Services.GetRequiredService<IProductStore>().CountAsync("dummyjson", CancellationToken.None));
    }

    [Fact]
    public async Task The_run_and_the_checks_after_its_refresh_go_through_the_DynamoDB_outbox_to_the_webhook()
    {
        var posted = await Eventually.WaitForAsync(
            () => Task.FromResult(fixture.Webhook.Requests.FirstOrDefault(r => r.Type == "run.succeeded" && r.Text.Contains(Run.RunId, StringComparison.Ordinal))),
            r => r is not null, TimeSpan.FromSeconds(60), "run.succeeded for the first run");
        Assert.True(Pipeline.Core.Trust.WebhookSignature.Verify("aws-webhook-secret", posted!.Body, posted.Header("X-Pipeline-Signature")));
        var deliveries = await Eventually.WaitForAsync(
            async () => (await fixture.Api.GetFromJsonAsync<ItemsResponse<DeliveryDto>>("/api/notifications/deliveries", ApiCalls.Json))!.Items,
            d => d.Any(x => x.Id == posted.Header("X-Pipeline-Delivery") && x.Status == "delivered"), TimeSpan.FromSeconds(30), "the delivery recorded in DynamoDB");
        Assert.Equal(1, deliveries.Single(x => x.Id == posted.Header("X-Pipeline-Delivery")).Attempts);

        // The checks after the run's refresh, recorded in DynamoDB: all five passed for dummyjson, none posted as failed.
        var checks = await Eventually.WaitForAsync(
            async () => (await fixture.Api.GetFromJsonAsync<ItemsResponse<CheckDto>>(
                "/api/quality/history?source=dummyjson&limit=100", ApiCalls.Json))!.Items.Where(c => c.RefreshId == Run.Refresh!.RefreshId).ToList(),
            c => c.Count == 5, TimeSpan.FromSeconds(60), "the data checks after the first run's refresh");
        Assert.Equal(["freshness", "reconciliation", "required-fields", "unique-ids", "valid-prices"], checks.Select(c => c.Check).Order(StringComparer.Ordinal));
        Assert.All(checks, c => Assert.Equal("passed", c.Status));
        Assert.DoesNotContain(fixture.Webhook.Requests, r => r.Type == "check.failed");
        var sources = (await fixture.Api.GetFromJsonAsync<ItemsResponse<SourceDto>>("/api/sources", ApiCalls.Json))!.Items;
        Assert.Equal(("fresh", Run.RunId), sources.Where(s => s.Source == "dummyjson").Select(s => (s.Freshness, s.LastRunId)).Single());
    }

    [Fact]
    public async Task The_raw_pages_in_S3_are_byte_identical_to_what_the_source_served()
    {
        var keys = await Stack.ListKeysAsync(RunPrefix);
        Assert.Equal(Enumerable.Range(1, Pages).Select(p => RawKeys.Page("dummyjson", DateOnly.FromDateTime(Run.CreatedAt.UtcDateTime), Run.RunId, p)), keys);

        using var http = new HttpClient();
        foreach (var (key, page) in keys.Select((k, i) => (k, i + 1)))
        {
            var stored = await Stack.GetObjectBytesAsync(key);
            var metadata = await Stack.S3.GetObjectMetadataAsync(Stack.BucketName, key);
            var sourceUrl = metadata.Metadata["source-url"];
            Assert.EndsWith($"/products?limit={PageSize}&skip={(page - 1) * PageSize}", sourceUrl, StringComparison.Ordinal);
            var served = await http.GetByteArrayAsync(new Uri(sourceUrl));
            Assert.True(served.AsSpan().SequenceEqual(stored), $"{key}: S3 holds {stored.Length} bytes, the source served {served.Length} other bytes");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(served)), metadata.Metadata["sha256"]);
            Assert.Equal(Run.RunId, metadata.Metadata["run-id"]);
        }
    }

    [Fact]
    public async Task The_stream_holds_exactly_one_fetch_task_per_page_of_the_run()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var records = await Stack.ReadStreamAsync(timeout.Token);

        Assert.Equal(AwsStack.ShardCount, (await Stack.Kinesis.Stream.ListShardsAsync(timeout.Token)).Count);
        var tasks = records
            .Select(r => (Record: r, Task: JsonSerializer.Deserialize(r.Data.Span, CoreJsonContext.Default.FetchTask)!))
            .Where(t => t.Task.RunId == Run.RunId)
            .OrderBy(t => t.Task.Page)
            .ToList();
        Assert.Equal(Enumerable.Range(1, Pages), tasks.Select(t => t.Task.Page));
        Assert.All(tasks, t =>
        {
            Assert.Equal("dummyjson", t.Task.Source);
            Assert.Equal((t.Task.Page - 1) * PageSize, t.Task.Skip);
            Assert.Equal(PageSize, t.Task.Limit);
            Assert.Equal(t.Task.PartitionKey, t.Record.PartitionKey);
        });
    }

    [Fact]
    public async Task Running_the_same_ingestion_again_changes_no_product_and_adds_no_price_observation()
    {
        var productsBefore = await ProductStateAsync();
        var observationsBefore = (await Stack.ScanAsync(Stack.Tables.PriceHistoryTable)).Count;

        var second = await fixture.Api.WaitForRunAsync(await fixture.Api.StartRunAsync("dummyjson"));

        Assert.True(second.Status == "succeeded", $"run {second.RunId} ended {second.Status}: {string.Join("; ", second.Errors)}");
        Assert.Equal(0, second.Stages.ProductsUpserted);
        Assert.Equal(Products, second.Stages.ProductsUnchanged);
        Assert.Equal(0, second.Stages.PriceChanges);
        Assert.Equal(productsBefore, await ProductStateAsync());
        Assert.Equal(observationsBefore, (await Stack.ScanAsync(Stack.Tables.PriceHistoryTable)).Count);
        var detail = (await fixture.Api.GetFromJsonAsync<ProductDetailDto>("/api/products/dummyjson:1", ApiCalls.Json))!;
        Assert.Single(detail.PriceHistory);
    }

    [Fact]
    public async Task The_AWS_CLI_reads_the_pages_products_and_stream_the_pipeline_wrote()
    {
        using var cli = AwsCli.Require();
        var s3 = EmulatorEndpoints.S3Url;
        var dynamo = EmulatorEndpoints.DynamoDbUrl;
        var pageKey = RawKeys.Page("dummyjson", DateOnly.FromDateTime(Run.CreatedAt.UtcDateTime), Run.RunId, 3);
        var target = Path.Combine(cli.Scratch, "page-3.json");

        // Independent reads, run side by side (each CLI start costs about a second of CPU).
        var listing = cli.RunAsync(s3, "s3api", "list-objects-v2", "--bucket", Stack.BucketName, "--prefix", RunPrefix);
        var got = cli.RunAsync(s3, "s3api", "get-object", "--bucket", Stack.BucketName, "--key", pageKey, target);
        var product = cli.RunAsync(dynamo, "dynamodb", "get-item", "--consistent-read", "--table-name", Stack.Tables.ProductsTable,
            "--key", """{"pk":{"S":"dummyjson:1"}}""");
        var history = cli.RunAsync(dynamo, "dynamodb", "query", "--table-name", Stack.Tables.PriceHistoryTable,
            "--key-condition-expression", "pk = :id", "--expression-attribute-values", """{":id":{"S":"dummyjson:1"}}""");
        // describe-stream-summary, not list-shards: kinesalite crashes on a paged ListShards (NextToken).
        var stream = cli.RunAsync(EmulatorEndpoints.KinesisUrl, "kinesis", "describe-stream-summary", "--stream-name", Stack.StreamName);
        await Task.WhenAll(listing, got, product, history, stream);

        using (var answer = await listing)
        {
            var keys = answer.RootElement.GetProperty("Contents").EnumerateArray().Select(o => o.GetProperty("Key").GetString()!).ToList();
            Assert.Equal(Enumerable.Range(1, Pages).Select(p => RawKeys.Page("dummyjson", DateOnly.FromDateTime(Run.CreatedAt.UtcDateTime), Run.RunId, p)), keys);
        }
        using (var answer = await got)
        {
            Assert.Equal(Run.RunId, answer.RootElement.GetProperty("Metadata").GetProperty("run-id").GetString());
            using var http = new HttpClient();
            var served = await http.GetByteArrayAsync(new Uri(fixture.Catalog.DummyJsonBaseUrl + $"/products?limit={PageSize}&skip={2 * PageSize}"));
            var downloaded = await File.ReadAllBytesAsync(target);
            Assert.True(served.AsSpan().SequenceEqual(downloaded), "the CLI read other bytes than the source served");
        }
        using (var answer = await product)
        {
            var item = answer.RootElement.GetProperty("Item");
            Assert.Equal("Essence Mascara Lash Princess", item.GetProperty("title").GetProperty("S").GetString());
            Assert.Equal("9.99", item.GetProperty("price").GetProperty("N").GetString());
        }
        using (var answer = await history)
        {
            var observation = Assert.Single(answer.RootElement.GetProperty("Items").EnumerateArray());
            Assert.Equal(Run.RunId, observation.GetProperty("runId").GetProperty("S").GetString());
            Assert.Equal("9.99", observation.GetProperty("price").GetProperty("N").GetString());
        }
        using (var answer = await stream)
        {
            var summary = answer.RootElement.GetProperty("StreamDescriptionSummary");
            Assert.Equal("ACTIVE", summary.GetProperty("StreamStatus").GetString());
            Assert.Equal(AwsStack.ShardCount, summary.GetProperty("OpenShardCount").GetInt32());
        }
    }

    /// <summary>Each product's id → content hash, price, lastChanged and firstSeen.</summary>
    private async Task<List<string>> ProductStateAsync() =>
        [.. (await Stack.ScanAsync(Stack.Tables.ProductsTable))
            .Select(i => $"{i["pk"].S} {i["contentHash"].S} {i["price"].N} {i["lastChanged"].S} {i["firstSeen"].S}")
            .Order(StringComparer.Ordinal)];
}
