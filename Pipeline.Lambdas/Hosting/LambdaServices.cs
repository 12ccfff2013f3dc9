using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Configuration;

namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// The functions' composition: configuration from environment variables (the Web app's keys with <c>__</c> for
/// <c>:</c>, e.g. <c>Pipeline__Stream__Provider=Kinesis</c>), the pipeline core for the configured providers, and
/// structured JSON logs on stdout (CloudWatch keeps one JSON object per line; scopes carry the run id).
/// </summary>
public static class LambdaServices
{
    private static readonly Lazy<IServiceProvider> FromEnvironment =
        new(() => Build(new ConfigurationBuilder().AddEnvironmentVariables().Build()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The container's services, built once on first use from the process environment.</summary>
    public static IServiceProvider Shared => FromEnvironment.Value;

    /// <summary>Builds the services for a configuration (the tests build their own).</summary>
    public static ServiceProvider Build(IConfiguration configuration, Action<ILoggingBuilder>? logging = null)
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
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }
}
