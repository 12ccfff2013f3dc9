using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Scheduling;

/// <summary>Hangfire for the pipeline: storage by configuration, the schedules, a server, and the dashboard at /hangfire.</summary>
public static class SchedulingRegistration
{
    public const string DashboardPath = "/hangfire";

    public static IServiceCollection AddPipelineScheduling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchedulerOptions>().Bind(configuration.GetSection(SchedulerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidator>();
        // The freshness limit of a source no setting names: twice the interval of the schedule that ingests it.
        services.Replace(ServiceDescriptor.Singleton<ISourceSchedules, ScheduledSourceIntervals>());

        // Storage and activator are this host's own (not Hangfire's process-wide statics), so that several hosts in
        // one process (the tests) never run each other's jobs. AddHangfire keeps registrations made before it.
        services.AddSingleton<JobStorage>(sp =>
        {
            sp.GetRequiredService<IGlobalConfiguration>(); // Hangfire's process-wide settings (logging) first
            return CreateStorage(sp.GetRequiredService<IOptions<SchedulerOptions>>().Value,
                sp.GetRequiredService<IOptions<PipelineOptions>>().Value.DataDirectory);
        });
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogProvider(sp.GetRequiredService<ILoggerFactory>())));

        services.AddSingleton<PipelineSchedules>();
        services.AddTransient<ScheduledPipelineJob>();
        services.AddHostedService<ScheduleSynchronizer>();
        services.AddSingleton<HangfireDashboardAuthorization>();

        if (configuration.GetValue($"{SchedulerOptions.Section}:{nameof(SchedulerOptions.ServerEnabled)}", true))
            services.AddHostedService<HangfireServerHost>();
        return services;
    }

    /// <summary>
    /// Mounts the Hangfire dashboard; only an authenticated user or a valid API key gets in, local or not. A request with
    /// neither is challenged: the sign-in page for a browser, 401 for anything else (the cookie scheme decides); a wrong
    /// key, a method the dashboard does not answer or an address it does not know end in a 4xx (<see cref="HangfireDashboardGate"/>).
    /// </summary>
    public static WebApplication MapPipelineScheduling(this WebApplication app)
    {
        app.UseMiddleware<HangfireDashboardGate>();
        app.UseHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [app.Services.GetRequiredService<HangfireDashboardAuthorization>()],
            DashboardTitle = "Pipeline jobs",
            AppPath = "/schedules",
            DisplayStorageConnectionString = false,
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    internal static JobStorage CreateStorage(SchedulerOptions options, string dataDirectory)
    {
        switch (options.Storage)
        {
            case "Sqlite":
                var file = Path.IsPathRooted(options.SqliteFile) ? options.SqliteFile : Path.Combine(dataDirectory, options.SqliteFile);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                return new SQLiteStorage(file, new SQLiteStorageOptions { QueuePollInterval = options.PollInterval });
            case "Postgres":
                var postgres = new PostgreSqlStorageOptions
                {
                    SchemaName = options.Schema,
                    QueuePollInterval = options.PollInterval,
                    PrepareSchemaIfNecessary = true,
                };
                return new PostgreSqlStorage(new NpgsqlConnectionFactory(options.ConnectionString!, postgres), postgres);
            case "InMemory":
                return new InMemoryStorage();
            default:
                throw new OptionsValidationException(SchedulerOptions.Section, typeof(SchedulerOptions),
                    [$"{SchedulerOptions.Section}:Storage '{options.Storage}' is not one of: {string.Join(", ", SchedulerOptions.StorageKinds)}."]);
        }
    }
}
