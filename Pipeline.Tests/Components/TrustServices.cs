using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Configuration;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Components;

/// <summary>
/// The pipeline's own registrations (<c>AddPipelineCore</c>: the real freshness service, data checks and notifier) over the
/// embedded backends of <see cref="PageBackends"/>, with the given settings (e.g. <c>Pipeline:Sources:FakeStore:FreshnessMaxAge</c>).
/// </summary>
public static class TrustServices
{
    public static IServiceCollection AddTrustSignals(this IServiceCollection services, PageBackends backends, IDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        services.AddLogging();
        services.AddPipelineCore(configuration);
        services.AddSingleton<IRunStore>(backends.Runs);
        services.AddSingleton<IRefreshStore>(backends.Runs);
        services.AddSingleton<IRunEventLog>(backends.Runs);
        services.AddSingleton<IQualityStore>(backends.Runs);
        services.AddSingleton<INotificationOutbox>(backends.Runs);
        services.AddSingleton<IProductStore>(backends.Store);
        services.AddSingleton<IWarehouse>(backends.Warehouse);
        return services;
    }
}
