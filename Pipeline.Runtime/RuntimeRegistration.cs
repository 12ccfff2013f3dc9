using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;

namespace Pipeline.Runtime;

/// <summary>
/// The in-process runtime: the commands, their queues and the workers that run the stages in this process, and, unless
/// <c>Pipeline:Local:EventSourceMappings</c> is false (the Lambdas do it on AWS), the stand-ins for the two event-source
/// mappings: the <see cref="StreamConsumer"/> (stream → fetch) and the <see cref="TransformWorker"/>s (raw zone → transform).
/// </summary>
public static class RuntimeRegistration
{
    public static IServiceCollection AddPipelineRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LocalMappingOptions>().Bind(configuration.GetSection(LocalMappingOptions.Section)).ValidateOnStart();
        services.AddSingleton<PlanQueue>();
        services.AddSingleton<RefreshQueue>();
        services.AddSingleton<RawObjectQueue>();
        // In place of the Lambda-side defaults: a new raw object is queued for the transform, a finished run queues its refresh.
        services.Replace(ServiceDescriptor.Singleton<IRawZoneNotifications>(sp => sp.GetRequiredService<RawObjectQueue>()));
        services.Replace(ServiceDescriptor.Singleton<IRunCompletionListener, RefreshAfterRun>());
        services.AddScoped<IPipelineCommands, PipelineCommands>();

        services.AddHostedService<BackendInitializer>();
        if (configuration.GetValue("Pipeline:Local:EventSourceMappings", true))
        {
            services.AddSingleton<StreamConsumer>();
            services.AddHostedService(sp => sp.GetRequiredService<StreamConsumer>());
            services.AddHostedService<TransformWorker>();
        }
        services.AddHostedService<PlanWorker>();
        services.AddHostedService<RefreshWorker>();
        services.AddHostedService<StartupRecovery>();
        if (configuration.GetValue("Pipeline:Notifications:Enabled", true))
        {
            services.AddHostedService<TrustWorker>();
            services.AddHostedService<WebhookDeliveryWorker>();
        }
        return services;
    }
}
