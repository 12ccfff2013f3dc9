using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Adapters.Aws.Kinesis;
using Pipeline.Adapters.Aws.S3;
using Pipeline.Adapters.Aws.Signing;
using Pipeline.Core.Configuration;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Aws;

/// <summary>
/// The AWS adapters, selected per port. Settings live under <c>Pipeline:Aws</c>: <c>Region</c>, <c>CreateResources</c>,
/// and one section per service (<c>Kinesis</c>, <c>S3</c>, <c>DynamoDb</c>) with its resource name and an optional
/// <c>ServiceUrl</c> endpoint override for local servers. A missing or contradictory setting fails at start naming the key.
/// </summary>
public static class AwsAdaptersRegistration
{
    public const string Section = "Pipeline:Aws";

    /// <summary>The AWS adapter of each port configured for it: Kinesis, S3, DynamoDB (run and product stores).</summary>
    public static IServiceCollection AddAwsAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PipelineOptions.From(configuration);
        if (options.Stream.Provider == "Kinesis") AddKinesisStream(services, configuration);
        if (options.RawZone.Provider == "S3") AddS3RawZone(services, configuration);
        if (options.Store.Provider == "DynamoDb") AddDynamoDbStores(services, configuration);
        return services;
    }

    private static void AddS3RawZone(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<S3RawZoneOptions>()
            .Bind(configuration.GetSection($"{Section}:S3"))
            .PostConfigure(o =>
            {
                if (configuration[$"{Section}:S3:Region"] is null && configuration[$"{Section}:Region"] is { Length: > 0 } region) o.Region = region;
                if (!o.CreateBucketIfMissing) o.CreateBucketIfMissing = configuration.GetValue($"{Section}:CreateResources", false);
                if (!string.IsNullOrWhiteSpace(o.ServiceUrl)) o.ForcePathStyle = true;
            })
            .Validate(o => !string.IsNullOrWhiteSpace(o.BucketName),
                "Pipeline:Aws:S3:BucketName is required when Pipeline:RawZone:Provider is S3.")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IAmazonS3>(sp => S3ClientFactory.Create(sp.GetRequiredService<IOptions<S3RawZoneOptions>>().Value));
        services.TryAddSingleton<IRawZone>(sp => new S3RawZone(sp.GetRequiredService<IAmazonS3>(),
            sp.GetRequiredService<IOptions<S3RawZoneOptions>>().Value, sp.GetRequiredService<ILogger<S3RawZone>>()));
    }

    private static void AddDynamoDbStores(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DynamoDbStoreOptions>()
            .Bind(configuration.GetSection($"{Section}:DynamoDb"))
            .PostConfigure(o =>
            {
                if (configuration[$"{Section}:DynamoDb:Region"] is null && configuration[$"{Section}:Region"] is { Length: > 0 } region) o.Region = region;
                if (!o.CreateTablesIfMissing) o.CreateTablesIfMissing = configuration.GetValue($"{Section}:CreateResources", false);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IAmazonDynamoDB>(sp => DynamoDbClientFactory.Create(sp.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value));
        services.TryAddSingleton<IProductStore>(sp => new DynamoDbProductStore(sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value, sp.GetRequiredService<ILogger<DynamoDbProductStore>>()));
        services.TryAddSingleton(sp => new DynamoDbRunStore(sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DynamoDbRunStore>>()));
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<IIdempotencyMarkers>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<IRefreshStore>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<IRunEventLog>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<IQualityStore>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<DynamoDbRunStore>());
        services.TryAddSingleton<ISessionStore>(sp => sp.GetRequiredService<DynamoDbRunStore>());
    }

    private static void AddKinesisStream(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<IAwsCredentialsProvider>(_ => new AwsSdkCredentialsProvider());
        services.AddOptions<KinesisStreamOptions>()
            .Bind(configuration.GetSection($"{Section}:Kinesis"))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.Region)) o.Region = configuration[$"{Section}:Region"] ?? "";
                if (!o.CreateIfMissing) o.CreateIfMissing = configuration.GetValue($"{Section}:CreateResources", false);
                if (o.ShardCount <= 1) o.ShardCount = configuration.GetValue("Pipeline:Stream:ShardCount", o.ShardCount);
            })
            .Validate(o => !string.IsNullOrWhiteSpace(o.StreamName),
                "Pipeline:Aws:Kinesis:StreamName is required when Pipeline:Stream:Provider is Kinesis.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Region) || !string.IsNullOrWhiteSpace(o.ServiceUrl),
                "Pipeline:Aws:Region (or Pipeline:Aws:Kinesis:Region) is required when Pipeline:Stream:Provider is Kinesis.")
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpClient<KinesisClient>();
        services.TryAddSingleton<IEventStream>(sp => new KinesisEventStream(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(KinesisClient)) is var http
                ? new KinesisClient(http, sp.GetRequiredService<IOptions<KinesisStreamOptions>>(), sp.GetRequiredService<IAwsCredentialsProvider>(),
                    sp.GetRequiredService<ILogger<KinesisClient>>(), sp.GetRequiredService<TimeProvider>())
                : throw new InvalidOperationException(),
            sp.GetRequiredService<IOptions<KinesisStreamOptions>>(),
            sp.GetRequiredService<ILogger<KinesisEventStream>>(),
            sp.GetRequiredService<TimeProvider>()));
    }
}
