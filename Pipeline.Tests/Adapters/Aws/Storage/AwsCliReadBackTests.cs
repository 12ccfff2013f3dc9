using System.Diagnostics;
using System.Text.Json;
using Amazon.S3;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Adapters.Aws.S3;
using Pipeline.Core.Domain;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>
/// What the adapters wrote, read back with an independent client: Debian's AWS CLI v2 (<c>/usr/bin/aws</c>, package
/// <c>awscli</c>) against the local servers, with dummy credentials.
/// </summary>
public sealed class AwsCliReadBackTests : IAsyncLifetime
{
    private const string Aws = "/usr/bin/aws";
    private static readonly DateTimeOffset At = new(2026, 3, 14, 8, 30, 0, 120, TimeSpan.Zero);
    private readonly string _scratch = Directory.CreateTempSubdirectory("pipeline-awscli-").FullName;
    private IAmazonS3? _s3;
    private string _bucket = "";
    private DynamoDbTestTables? _tables;

    public Task InitializeAsync()
    {
        if (!File.Exists(Aws))
            throw new InvalidOperationException($"{Aws} is missing: install Debian's AWS CLI v2 with 'apt-get install -y awscli'.");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_s3 is not null)
        {
            await S3TestBuckets.DeleteAsync(_s3, _bucket);
            _s3.Dispose();
        }
        if (_tables is not null) await _tables.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task The_cli_reads_the_raw_page_bytes_and_metadata_the_s3_adapter_wrote()
    {
        await EmulatorEndpoints.RequireS3Async();
        _s3 = EmulatorEndpoints.CreateS3Client();
        _bucket = EmulatorEndpoints.UniqueName("cli");
        var zone = new S3RawZone(_s3, new S3RawZoneOptions { BucketName = _bucket, Region = EmulatorEndpoints.Region, CreateBucketIfMissing = true });
        await zone.EnsureCreatedAsync(CancellationToken.None);
        var bytes = SharedFixtures.ReadBytes("dummyjson", "products.json");
        var key = RawKeys.Page("dummyjson", new DateOnly(2026, 3, 14), "run-cli", 1);
        await zone.PutAsync(key, bytes, new RawObjectMetadata
        {
            RunId = "run-cli", Source = "dummyjson", SourceUrl = "http://127.0.0.1:8080/products?limit=0", FetchedAt = At,
            Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), Page = 1,
        }, CancellationToken.None);
        var target = Path.Combine(_scratch, "page.json");

        using var answer = await RunCliAsync(EmulatorEndpoints.S3Url, "s3api", "get-object", "--bucket", _bucket, "--key", key, target);

        var downloaded = await File.ReadAllBytesAsync(target);
        Assert.True(bytes.AsSpan().SequenceEqual(downloaded), "the CLI read other bytes than were written");
        var root = answer.RootElement;
        Assert.Equal("application/json", root.GetProperty("ContentType").GetString());
        var metadata = root.GetProperty("Metadata");
        Assert.Equal("run-cli", metadata.GetProperty("run-id").GetString());
        Assert.Equal("dummyjson", metadata.GetProperty("source").GetString());
        Assert.Equal("http://127.0.0.1:8080/products?limit=0", metadata.GetProperty("source-url").GetString());
        Assert.Equal("2026-03-14T08:30:00.1200000Z", metadata.GetProperty("fetched-at").GetString());
        Assert.Equal("1", metadata.GetProperty("page").GetString());
        Assert.Equal(64, metadata.GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public async Task The_cli_reads_the_product_and_run_items_the_dynamodb_stores_wrote()
    {
        _tables = await DynamoDbTestTables.CreateAsync();
        var products = new DynamoDbProductStore(_tables.Client, _tables.Options);
        var runs = new DynamoDbRunStore(_tables.Client, _tables.Options);
        await products.EnsureCreatedAsync(CancellationToken.None);
        await runs.EnsureCreatedAsync(CancellationToken.None);
        await products.UpsertAsync([new Product
        {
            Source = "dummyjson", SourceId = "1", Title = "Essence Mascara Lash Princess", Category = "beauty", Price = 9.99m,
            Brand = "Essence", Tags = ["beauty", "mascara"], ContentHash = "abc123",
        }], "run-cli", At, CancellationToken.None);
        await runs.TryCreateRunAsync(new IngestionRun { RunId = "run-cli", Source = "dummyjson", CreatedAt = At }, CancellationToken.None);
        await runs.IncrementAsync("run-cli", [new CounterDelta(Counter.PagesFetched, 7)], CancellationToken.None);

        using var product = await RunCliAsync(EmulatorEndpoints.DynamoDbUrl, "dynamodb", "get-item", "--consistent-read",
            "--table-name", _tables.Options.ProductsTable, "--key", """{"pk":{"S":"dummyjson:1"}}""");
        using var byPrice = await RunCliAsync(EmulatorEndpoints.DynamoDbUrl, "dynamodb", "query",
            "--table-name", _tables.Options.ProductsTable, "--index-name", "category-price",
            "--key-condition-expression", "category = :c", "--expression-attribute-values", """{":c":{"S":"beauty"}}""");
        using var run = await RunCliAsync(EmulatorEndpoints.DynamoDbUrl, "dynamodb", "get-item", "--consistent-read",
            "--table-name", _tables.Options.RunsTable, "--key", """{"pk":{"S":"run#run-cli"},"sk":{"S":"run"}}""");

        var item = product.RootElement.GetProperty("Item");
        Assert.Equal("Essence Mascara Lash Princess", item.GetProperty("title").GetProperty("S").GetString());
        Assert.Equal(9.99m, decimal.Parse(item.GetProperty("price").GetProperty("N").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("abc123", item.GetProperty("contentHash").GetProperty("S").GetString());
        Assert.Equal("2026-03-14T08:30:00.1200000Z", item.GetProperty("firstSeen").GetProperty("S").GetString());
        Assert.Equal(2, item.GetProperty("tags").GetProperty("L").GetArrayLength());
        Assert.Equal(1, byPrice.RootElement.GetProperty("Count").GetInt32());
        var runItem = run.RootElement.GetProperty("Item");
        Assert.Equal("7", runItem.GetProperty("pagesFetched").GetProperty("N").GetString());
        Assert.Equal("queued", runItem.GetProperty("status").GetProperty("S").GetString());
    }

    /// <summary>Runs the CLI with dummy credentials and no user configuration; returns its JSON answer.</summary>
    private async Task<JsonDocument> RunCliAsync(string endpoint, params string[] arguments)
    {
        var start = new ProcessStartInfo(Aws)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(endpoint);
        start.ArgumentList.Add("--output");
        start.ArgumentList.Add("json");
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["AWS_ACCESS_KEY_ID"] = EmulatorEndpoints.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = EmulatorEndpoints.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = EmulatorEndpoints.Region;
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(_scratch, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_scratch, "no-credentials");
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = "";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"aws {string.Join(' ', arguments)} did not finish within 60 s.");
        }
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"aws {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(output);
    }
}
