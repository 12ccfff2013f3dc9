using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Core.Configuration;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Google;

/// <summary>The Google adapters: the BigQuery warehouse (options, access tokens, the typed REST client, <see cref="IWarehouse"/>).</summary>
public static class GoogleAdaptersRegistration
{
    /// <summary>The BigQuery warehouse when <c>Pipeline:Warehouse:Provider</c> is <c>BigQuery</c>.</summary>
    public static IServiceCollection AddGoogleAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PipelineOptions.From(configuration);
        if (options.Warehouse.Provider == "BigQuery") services.AddBigQueryWarehouse();
        return services;
    }

    /// <summary>
    /// Binds <see cref="BigQueryOptions"/> from <paramref name="sectionName"/> (validated at start), registers
    /// <see cref="GoogleAccessTokenSource"/> unless another <see cref="IBigQueryAccessTokenSource"/> is registered,
    /// <see cref="BigQueryClient"/> as a typed HttpClient, and <see cref="BigQueryWarehouse"/> as <see cref="IWarehouse"/>.
    /// Returns the client builder so the host can add resilience; keep any per-attempt timeout above 10 s, the
    /// server-side wait of jobs.query/getQueryResults.
    /// </summary>
    public static IHttpClientBuilder AddBigQueryWarehouse(this IServiceCollection services, string sectionName = BigQueryOptions.SectionName)
    {
        services.AddOptions<BigQueryOptions>().BindConfiguration(sectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IBigQueryAccessTokenSource, GoogleAccessTokenSource>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddTransient<BigQueryWarehouse>();
        services.AddTransient<IWarehouse>(sp => sp.GetRequiredService<BigQueryWarehouse>());
        return services.AddHttpClient<BigQueryClient>();
    }
}
