using Amazon;
using Amazon.SimpleSystemsManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Adapters.Aws;
using Pipeline.Core.Configuration;

namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// The functions' composition: configuration from environment variables (the Web app's keys with <c>__</c> for
/// <c>:</c>, e.g. <c>Pipeline__Stream__Provider=Kinesis</c>), the pipeline core for the configured providers, and
/// structured JSON logs on stdout (CloudWatch keeps one JSON object per line; scopes carry the run id), and
/// OpenTelemetry over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (<see cref="LambdaTelemetry"/>).
/// The functions compose the AWS adapters only (Kinesis, S3, DynamoDB): the package holds no embedded backend, and a
/// stream, raw zone or store configured to anything else fails as the container starts, naming the key.
/// </summary>
public static class LambdaServices
{
    private static readonly Lazy<IServiceProvider> FromEnvironment =
        new(() => Build(new ConfigurationBuilder().AddEnvironmentVariables().Build()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The container's services, built once on first use from the process environment.</summary>
    public static IServiceProvider Shared => FromEnvironment.Value;

    /// <summary>
    /// The adapters <see cref="Shared"/> composes: the AWS ones. The tests put the embedded adapters here, to run the
    /// handlers (loaded by their handler strings, as the runtime does) on local files.
    /// </summary>
    internal static Action<IServiceCollection, IConfiguration> Adapters { get; set; } = AddAwsAdapters;

    /// <summary>Builds the services for a configuration (the tests build their own), with <paramref name="adapters"/> or <see cref="Adapters"/>.</summary>
    public static ServiceProvider Build(IConfiguration configuration, Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection, IConfiguration>? adapters = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(builder =>
        {
            builder.ClearProviders();
            builder.SetMinimumLevel(LogLevel.Information);
            builder.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
            builder.AddFilter("Polly", LogLevel.Warning);
            builder.AddConfiguration(configuration.GetSection("Logging"));
            builder.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
            logging?.Invoke(builder);
        });
        services.AddPipelineCore(configuration);
        (adapters ?? Adapters)(services, configuration);
        AddApiKeyParameter(services, configuration);
        LambdaTelemetry.Add(services, configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        LambdaTelemetry.Start(provider);
        return provider;
    }

    /// <summary>
    /// With <c>Pipeline:Security:ApiKeysParameter</c> set: the trigger's keys from that SSM parameter, through an SSM
    /// client on the SDK's default credentials and region (<c>Pipeline:Aws:Region</c> when set; <c>Pipeline:Aws:Ssm:ServiceUrl</c>
    /// overrides the endpoint). A client registered before (the tests') is kept.
    /// </summary>
    private static void AddApiKeyParameter(IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[ApiKeyCheck.ParameterKey] is not { } name || string.IsNullOrWhiteSpace(name)) return;
        var cacheFor = ApiKeyParameter.CacheTtl(configuration[ApiKeyCheck.ParameterCacheTtlKey]); // a bad value fails the container's start
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAmazonSimpleSystemsManagement>(_ =>
        {
            var config = new AmazonSimpleSystemsManagementConfig();
            if (configuration["Pipeline:Aws:Ssm:ServiceUrl"] is { Length: > 0 } serviceUrl)
            {
                config.ServiceURL = serviceUrl;
                config.AuthenticationRegion = configuration["Pipeline:Aws:Region"];
            }
            else if (configuration["Pipeline:Aws:Region"] is { Length: > 0 } region)
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            return new AmazonSimpleSystemsManagementClient(config);
        });
        services.AddSingleton(sp => new ApiKeyParameter(sp.GetRequiredService<IAmazonSimpleSystemsManagement>(), name.Trim(), cacheFor,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ApiKeyParameter>>()));
    }

    private static void AddAwsAdapters(IServiceCollection services, IConfiguration configuration)
    {
        var options = PipelineOptions.From(configuration);
        foreach (var (key, value, expected) in new[]
                 {
                     ("Pipeline:Stream:Provider", options.Stream.Provider, "Kinesis"),
                     ("Pipeline:RawZone:Provider", options.RawZone.Provider, "S3"),
                     ("Pipeline:Store:Provider", options.Store.Provider, "DynamoDb"),
                 })
        {
            if (value != expected)
                throw new InvalidOperationException(
                    $"{key} is '{value}'; the Lambda functions run on the AWS adapters only: set it to {expected}.");
        }
        services.AddAwsAdapters(configuration);
    }
}
