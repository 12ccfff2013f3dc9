using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Adapters.Aws.S3;
using Pipeline.Adapters.Aws.Signing;
using Pipeline.Core.Ports;
using Pipeline.Tests.Adapters.Aws.Kinesis.Support;
using Pipeline.Tests.Adapters.Aws.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// One test class's own stream, bucket and tables on the local AWS-API servers (unique names), the settings that
/// point the Web host's adapters at them (<c>Pipeline:*:Provider</c>, <c>Pipeline:Aws:*</c>, <c>CreateResources</c>),
/// independent clients to read back what the pipeline wrote, and the clean-up.
/// </summary>
/// <remarks>
/// Credentials: the host's SDK clients and Kinesis signer get the dummy keys explicitly (see <see cref="StartHost"/>)
/// instead of through AWS_* environment variables, which are process-wide and would race with other tests.
/// </remarks>
internal sealed class AwsStack : IAsyncDisposable
{
    private AwsStack(string name)
    {
        StreamName = EmulatorEndpoints.UniqueName($"e2e-{name}");
        BucketName = EmulatorEndpoints.UniqueName($"e2e-{name}");
        Tables = new DynamoDbStoreOptions
        {
            TablePrefix = EmulatorEndpoints.UniqueName($"e2e-{name}") + "-",
            Region = EmulatorEndpoints.Region,
            ServiceUrl = EmulatorEndpoints.DynamoDbUrl,
        };
        S3 = EmulatorEndpoints.CreateS3Client();
        DynamoDb = EmulatorEndpoints.CreateDynamoDbClient();
        Kinesis = new KinesisHarness(new KinesisStreamOptions
        {
            StreamName = StreamName,
            Region = EmulatorEndpoints.Region,
            ServiceUrl = EmulatorEndpoints.KinesisUrl,
            ShardCount = ShardCount,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        });
    }

    public const int ShardCount = 2;

    public string StreamName { get; }

    public string BucketName { get; }

    /// <summary>The table names (prefix + products, price-history, rejections, runs).</summary>
    public DynamoDbStoreOptions Tables { get; }

    /// <summary>Independent clients straight to the local servers (not through any test proxy).</summary>
    public IAmazonS3 S3 { get; }

    public IAmazonDynamoDB DynamoDb { get; }

    /// <summary>The Kinesis adapter on its own client, for reading the stream back.</summary>
    public KinesisHarness Kinesis { get; }

    /// <summary>Fails clearly when one of the three servers is not running (tools/emulators/start.sh).</summary>
    public static async Task<AwsStack> CreateAsync(string name)
    {
        await EmulatorEndpoints.RequireKinesisAsync();
        await EmulatorEndpoints.RequireS3Async();
        await EmulatorEndpoints.RequireDynamoDbAsync();
        return new AwsStack(name);
    }

    /// <summary>
    /// Host settings that select the three AWS adapters on this stack's resources, with an endpoint per service
    /// (a test proxy may stand in front of any of them) and small retry limits so that failures surface quickly.
    /// </summary>
    public Dictionary<string, string?> Settings(string? kinesisUrl = null, string? s3Url = null, string? dynamoDbUrl = null) => new()
    {
        ["Pipeline:Stream:Provider"] = "Kinesis",
        ["Pipeline:Stream:ShardCount"] = ShardCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pipeline:RawZone:Provider"] = "S3",
        ["Pipeline:Store:Provider"] = "DynamoDb",
        ["Pipeline:Aws:Region"] = EmulatorEndpoints.Region,
        ["Pipeline:Aws:CreateResources"] = "true",
        ["Pipeline:Aws:Kinesis:StreamName"] = StreamName,
        ["Pipeline:Aws:Kinesis:ServiceUrl"] = kinesisUrl ?? EmulatorEndpoints.KinesisUrl,
        ["Pipeline:Aws:Kinesis:RetryBaseDelay"] = "00:00:00.010",
        ["Pipeline:Aws:Kinesis:RetryMaxDelay"] = "00:00:00.100",
        ["Pipeline:Aws:Kinesis:ActivationPollInterval"] = "00:00:00.020",
        ["Pipeline:Aws:S3:BucketName"] = BucketName,
        ["Pipeline:Aws:S3:ServiceUrl"] = s3Url ?? EmulatorEndpoints.S3Url,
        ["Pipeline:Aws:DynamoDb:TablePrefix"] = Tables.TablePrefix,
        ["Pipeline:Aws:DynamoDb:ServiceUrl"] = dynamoDbUrl ?? EmulatorEndpoints.DynamoDbUrl,
    };

    /// <summary>
    /// The real Web host (<paramref name="app"/>, made with the same <paramref name="settings"/>) on this stack. The
    /// adapters, their options and their registrations are the production ones; only the SDK clients and the Kinesis
    /// credentials provider are replaced by ones built the same way from the bound options but with explicit dummy
    /// credentials.
    /// </summary>
    /// <remarks>
    /// The settings are also given as host settings (<c>UseSetting</c>, which WebApplicationFactory hands to Program
    /// as arguments): the provider keys are read while the services are registered, before the factory's app
    /// configuration is applied (dotnet/aspnetcore#37680).
    /// </remarks>
    public static WebApplicationFactory<Program> StartHost(
        PipelineAppFactory app, IReadOnlyDictionary<string, string?> settings, Action<IWebHostBuilder>? configure = null) =>
        app.WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.ConfigureTestServices(UseDummyCredentials);
            configure?.Invoke(builder);
        });

    private static void UseDummyCredentials(IServiceCollection services)
    {
        services.AddSingleton<IAwsCredentialsProvider>(new StaticAwsCredentialsProvider(
            new AwsCredentials(EmulatorEndpoints.AccessKeyId, EmulatorEndpoints.SecretAccessKey)));
        services.AddSingleton<IAmazonS3>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<S3RawZoneOptions>>().Value;
            return new AmazonS3Client(EmulatorEndpoints.Credentials,
                new AmazonS3Config { ServiceURL = options.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = options.Region });
        });
        services.AddSingleton<IAmazonDynamoDB>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value;
            return new AmazonDynamoDBClient(EmulatorEndpoints.Credentials,
                new AmazonDynamoDBConfig { ServiceURL = options.ServiceUrl, AuthenticationRegion = options.Region });
        });
    }

    /// <summary>Every record in the stream, read with the Kinesis adapter from the oldest of each shard.</summary>
    public async Task<List<ReceivedRecord>> ReadStreamAsync(CancellationToken ct)
    {
        var all = new List<ReceivedRecord>();
        foreach (var shardId in await Kinesis.Stream.ListShardsAsync(ct))
        {
            var reader = Kinesis.Stream.OpenShard(shardId, null);
            for (var result = await reader.ReadAsync(1000, ct); result.Records.Count > 0; result = await reader.ReadAsync(1000, ct))
                all.AddRange(result.Records);
        }
        return all;
    }

    /// <summary>The keys under a prefix, listed with the SDK straight from the S3 server.</summary>
    public async Task<List<string>> ListKeysAsync(string prefix)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, Prefix = prefix, ContinuationToken = token });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return keys;
    }

    public async Task<byte[]> GetObjectBytesAsync(string key)
    {
        using var response = await S3.GetObjectAsync(BucketName, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>Every item of a table (consistent scan), read straight from the DynamoDB server.</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await DynamoDb.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true, ExclusiveStartKey = start });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        } while (start is not null);
        return items;
    }

    public async ValueTask DisposeAsync()
    {
        await Kinesis.DisposeAsync(); // deletes the stream
        await S3TestBuckets.DeleteAsync(S3, BucketName);
        foreach (var table in new[] { Tables.ProductsTable, Tables.PriceHistoryTable, Tables.RejectionsTable, Tables.RunsTable })
        {
            try
            {
                await DynamoDb.DeleteTableAsync(table);
            }
            catch (ResourceNotFoundException)
            {
            }
        }
        S3.Dispose();
        DynamoDb.Dispose();
    }
}
