using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pipeline.Core.Adapters.Aws.Kinesis;
using Pipeline.Core.Adapters.Aws.Signing;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Configuration;

/// <summary>
/// The AWS adapters, selected per port. Settings live under <c>Pipeline:Aws</c>: <c>Region</c>, <c>CreateResources</c>,
/// and one section per service (<c>Kinesis</c>, <c>S3</c>, <c>DynamoDb</c>) with its resource name and an optional
/// <c>ServiceUrl</c> endpoint override for local servers. A missing or contradictory setting fails at start naming the key.
/// </summary>
public static class AwsRegistration
{
    public const string Section = "Pipeline:Aws";

    public static void AddKinesisStream(IServiceCollection services, IConfiguration configuration)
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
                    sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<KinesisClient>>(), sp.GetRequiredService<TimeProvider>())
                : throw new InvalidOperationException(),
            sp.GetRequiredService<IOptions<KinesisStreamOptions>>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<KinesisEventStream>>(),
            sp.GetRequiredService<TimeProvider>()));
    }
}
