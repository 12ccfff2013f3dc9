using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Adapters.BigQuery;

/// <summary>Registers the BigQuery warehouse: options, access tokens, the typed REST client, and <see cref="IWarehouse"/>.</summary>
public static class BigQueryServiceCollectionExtensions
{
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
