using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// A backend server going away in the middle of a run on the AWS adapters: the run ends <c>failed</c> with a clear
/// error (the local event-source mappings give up after <c>Pipeline:Stream:MaxAttempts</c> /
/// <c>Pipeline:Local:MaxAttempts</c>), and once the server is back a new run completes the catalog with no product
/// lost or doubled.
/// </summary>
/// <remarks>
/// Related failure cases proven elsewhere: a throttled PutRecords entry retried alone (KinesisFailureTests and
/// <see cref="AwsThrottlingTests"/>), a DynamoDB batch with unprocessed items (DynamoDbBatchRetryTests).
/// </remarks>
public sealed class AwsOutageTests : IAsyncLifetime
{
    private const int Products = 194;
    private const int Attempts = 3;

    private AwsStack _stack = null!;
    private FixtureCatalogServer _catalog = null!;

    public async Task InitializeAsync()
    {
        _stack = await AwsStack.CreateAsync("outage");
        _catalog = await FixtureCatalogServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_catalog is not null) await _catalog.DisposeAsync();
        if (_stack is not null) await _stack.DisposeAsync();
    }

    [Fact]
    public async Task S3_going_away_mid_run_fails_the_run_clearly_and_a_retry_after_it_is_back_stores_every_product_once()
    {
        await using var s3 = new OutageProxy(EmulatorEndpoints.S3Port);
        var settings = Settings(s3Url: s3.Url);
        await using var app = new PipelineAppFactory(_catalog, settings);
        using var api = ApiClient(AwsStack.StartHost(app, settings));
        // The server goes away as the third raw page is being uploaded: two pages reach S3, the rest cannot.
        s3.GoAwayAt($"PUT /{_stack.BucketName}/raw/", 3);

        var failed = await api.WaitForRunAsync(await api.StartRunAsync("dummyjson"), andRefresh: false);

        Assert.True(s3.WentAway.IsCompleted, "the S3 proxy never saw the third page upload");
        Assert.True(failed.Status == "failed", $"run {failed.RunId} ended {failed.Status}, expected failed: {string.Join("; ", failed.Errors)}");
        var error = Assert.Single(failed.Errors);
        Assert.Matches($"^(page \\d could not be fetched and stored after {Attempts} attempts|transform of raw/\\S+ failed after {Attempts} attempts: .+)$", error);
        Assert.NotNull(failed.FinishedAt);
        var prefix = RawKeys.RunPrefix("dummyjson", DateOnly.FromDateTime(failed.CreatedAt.UtcDateTime), failed.RunId);
        Assert.Equal(2, (await _stack.ListKeysAsync(prefix)).Count);

        s3.ComeBack();
        var retried = await api.WaitForRunAsync(await api.StartRunAsync("dummyjson"), andRefresh: false);

        Assert.True(retried.Status == "succeeded", $"run {retried.RunId} ended {retried.Status}: {string.Join("; ", retried.Errors)}");
        Assert.Equal(Products, retried.Stages.ProductsUpserted + retried.Stages.ProductsUnchanged);
        // Read again: a transform of the failed run that was under way when it failed may have counted since.
        var failedAtTheEnd = await api.GetRunAsync(failed.RunId);
        Assert.Equal(Products, failedAtTheEnd.Stages.ProductsUpserted + retried.Stages.ProductsUpserted);
        await AssertEveryProductStoredOnceAsync();
    }

    [Fact]
    public async Task DynamoDB_going_away_mid_transform_fails_the_run_once_it_is_back_and_a_retry_stores_every_product_once()
    {
        await using var dynamo = new OutageProxy(EmulatorEndpoints.DynamoDbPort);
        var settings = Settings(dynamoDbUrl: dynamo.Url);
        var logs = new LogRecorder();
        await using var app = new PipelineAppFactory(_catalog, settings);
        using var api = ApiClient(AwsStack.StartHost(app, settings, b => b.ConfigureLogging(l => l.AddProvider(logs))));
        // The store goes away in the middle of the first page's transform: after the first batch of its price
        // observations, before its products are written.
        dynamo.GoAwayAt("DynamoDB_20120810.BatchWriteItem", 2);

        var runId = await api.StartRunAsync("dummyjson");
        await dynamo.WentAway.WaitAsync(TimeSpan.FromSeconds(30));
        // Nothing can be recorded while the store is away: wait until the transform has given up on the page and
        // found that it cannot even mark the run failed (the worker must keep trying, not die).
        var gaveUp = await logs.WaitForAsync(e => IsTransformWorker(e) && e.Level == LogLevel.Error, TimeSpan.FromSeconds(30),
            "the transform giving up");
        await logs.WaitForAsync(e => IsTransformWorker(e) && e.Message.StartsWith("Could not mark run", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the transform failing to mark the run failed");
        dynamo.ComeBack();
        var failed = await api.WaitForRunAsync(runId, andRefresh: false);

        Assert.Contains($"failed after {Attempts} attempts", gaveUp.Message, StringComparison.Ordinal);
        Assert.True(failed.Status == "failed", $"run {failed.RunId} ended {failed.Status}, expected failed: {string.Join("; ", failed.Errors)}");
        var error = Assert.Single(failed.Errors);
        Assert.Matches($"^transform of raw/\\S+ failed after {Attempts} attempts: .+$", error);

        var retried = await api.WaitForRunAsync(await api.StartRunAsync("dummyjson"), andRefresh: false);

        Assert.True(retried.Status == "succeeded", $"run {retried.RunId} ended {retried.Status}: {string.Join("; ", retried.Errors)}");
        Assert.Equal(Products, retried.Stages.ProductsUpserted + retried.Stages.ProductsUnchanged);
        await AssertEveryProductStoredOnceAsync();
    }

    private static bool IsTransformWorker(LogEntry entry) => entry.Category == typeof(Pipeline.Runtime.TransformWorker).FullName;

    private Dictionary<string, string?> Settings(string? s3Url = null, string? dynamoDbUrl = null)
    {
        var settings = _stack.Settings(s3Url: s3Url, dynamoDbUrl: dynamoDbUrl);
        settings["Pipeline:Stream:MaxAttempts"] = Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Pipeline:Local:MaxAttempts"] = Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Pipeline:Warehouse:RefreshAfterRun"] = "false";
        return settings;
    }

    /// <summary>Every fixture product exactly once in the products table, each with exactly one price observation.</summary>
    private async Task AssertEveryProductStoredOnceAsync()
    {
        var expected = JsonNode.Parse(SharedFixtures.ReadBytes("dummyjson", "products.json"))!.AsArray()
            .Select(p => $"dummyjson:{(int)p!["id"]!}").Order(StringComparer.Ordinal).ToList();
        var products = (await _stack.ScanAsync(_stack.Tables.ProductsTable)).Select(i => i["pk"].S).Order(StringComparer.Ordinal).ToList();
        var observations = (await _stack.ScanAsync(_stack.Tables.PriceHistoryTable)).Select(i => i["pk"].S).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, products);
        Assert.Equal(expected, observations);
    }

    private static HttpClient ApiClient(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> host)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        return client;
    }
}
