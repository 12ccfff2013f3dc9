using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Adapters.BigQuery;
using Pipeline.Core.Adapters.Local;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;

namespace Pipeline.Core.Configuration;

/// <summary>Registers the pipeline's stages, sources and the adapter configured for each port. Shared by the Web host and the Lambdas.</summary>
public static class PipelineCoreRegistration
{
    public static IServiceCollection AddPipelineCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PipelineOptions>()
            .Bind(configuration.GetSection(PipelineOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => Providers.Check("Pipeline:Stream:Provider", o.Stream.Provider, Providers.Stream) is null,
                "Pipeline:Stream:Provider must be one of: Local, Kinesis.")
            .Validate(o => Providers.Check("Pipeline:RawZone:Provider", o.RawZone.Provider, Providers.RawZone) is null,
                "Pipeline:RawZone:Provider must be one of: Local, S3.")
            .Validate(o => Providers.Check("Pipeline:Store:Provider", o.Store.Provider, Providers.Store) is null,
                "Pipeline:Store:Provider must be one of: Local, DynamoDb.")
            .Validate(o => Providers.Check("Pipeline:Warehouse:Provider", o.Warehouse.Provider, Providers.Warehouse) is null,
                "Pipeline:Warehouse:Provider must be one of: DuckDb, BigQuery.")
            // DataAnnotations do not look into nested objects: the stream's ranges are checked here.
            .Validate(o => Validator.TryValidateObject(o.Stream, new ValidationContext(o.Stream), null, validateAllProperties: true),
                "Pipeline:Stream: ShardCount must be 1-64, RetentionHours 1-8760, BatchSize 1-10000, MaxAttempts 1-100, FetchConcurrency 1-64.")
            .Validate(o => Validator.TryValidateObject(o.Warehouse, new ValidationContext(o.Warehouse), null, validateAllProperties: true)
                           && o.Warehouse.RefreshRetryDelay >= TimeSpan.Zero && o.Warehouse.RefreshRetryDelay <= TimeSpan.FromHours(1),
                "Pipeline:Warehouse: RefreshMaxAttempts must be 1-20 and RefreshRetryDelay between 00:00:00 and 01:00:00.")
            .ValidateOnStart();

        AddSources(services, configuration);
        AddAdapters(services, configuration);

        services.TryAddSingleton<IRawZoneNotifications, NoRawZoneNotifications>();
        services.TryAddSingleton<IRunCompletionListener, NoRunCompletionListener>();
        services.AddTransient<RunFinisher>();
        services.AddTransient<IngestionService>();
        services.AddTransient<FetchHandler>();
        services.AddTransient<TransformHandler>();
        services.AddTransient<WarehouseRefresher>();

        services.AddHealthChecks()
            .AddCheck<StreamHealthCheck>("stream", tags: ["backend"])
            .AddCheck<RawZoneHealthCheck>("rawZone", tags: ["backend"])
            .AddCheck<StoreHealthCheck>("store", tags: ["backend"])
            .AddCheck<WarehouseHealthCheck>("warehouse", tags: ["backend"]);
        return services;
    }

    private static void AddSources(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DummyJsonOptions>().Bind(configuration.GetSection(DummyJsonOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FakeStoreOptions>().Bind(configuration.GetSection(FakeStoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SyntheticOptions>().Bind(configuration.GetSection(SyntheticOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddHttpClient<DummyJsonSource>((sp, http) => ConfigureClient(http, sp.GetRequiredService<IOptions<DummyJsonOptions>>().Value))
            .AddStandardResilienceHandler(o => ConfigureResilience(o, configuration.GetSection(DummyJsonOptions.Section)));
        services.AddHttpClient<FakeStoreSource>((sp, http) => ConfigureClient(http, sp.GetRequiredService<IOptions<FakeStoreOptions>>().Value))
            .AddStandardResilienceHandler(o => ConfigureResilience(o, configuration.GetSection(FakeStoreOptions.Section)));
        services.AddSingleton<SyntheticSource>();
        services.AddTransient<IProductSource>(sp => sp.GetRequiredService<DummyJsonSource>());
        services.AddTransient<IProductSource>(sp => sp.GetRequiredService<FakeStoreSource>());
        services.AddTransient<IProductSource>(sp => sp.GetRequiredService<SyntheticSource>());
        services.AddTransient<SourceRegistry>();
    }

    private static void ConfigureClient(HttpClient http, HttpSourceOptions options)
    {
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Pipeline/1.0 (+https://github.com/pipeline)");
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
    }

    private static void ConfigureResilience(HttpStandardResilienceOptions options, IConfigurationSection section)
    {
        var timeoutSeconds = section.GetValue("TimeoutSeconds", 30);
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(1, timeoutSeconds / 3.0));
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(timeoutSeconds);
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(2 * options.AttemptTimeout.Timeout.TotalSeconds, 30));
        options.Retry.MaxRetryAttempts = section.GetValue("MaxRetries", 3);
        options.Retry.Delay = TimeSpan.FromMilliseconds(section.GetValue("RetryDelayMs", 500));
    }

    private static void AddAdapters(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(PipelineOptions.Section).Get<PipelineOptions>() ?? new PipelineOptions();
        string DataPath(IServiceProvider sp, string name) =>
            Path.Combine(sp.GetRequiredService<IOptions<PipelineOptions>>().Value.DataDirectory, name);

        if (options.Stream.Provider == "Local")
            services.TryAddSingleton<IEventStream>(sp =>
            {
                var o = sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Stream;
                return new LocalEventStream(DataPath(sp, "stream.db"), o.ShardCount, TimeSpan.FromHours(o.RetentionHours),
                    sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger<LocalEventStream>());
            });
        if (options.RawZone.Provider == "Local")
            services.TryAddSingleton<IRawZone>(sp => new FolderRawZone(DataPath(sp, "rawzone")));
        if (options.Store.Provider == "Local")
        {
            services.TryAddSingleton(sp => new SqliteDatabase(DataPath(sp, "store.db"),
                logger: sp.GetService<ILoggerFactory>()?.CreateLogger<SqliteDatabase>()));
            services.TryAddSingleton<IProductStore>(sp => new SqliteProductStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<IRunStore>(sp => new SqliteRunStore(sp.GetRequiredService<SqliteDatabase>()));
        }
        if (options.Stream.Provider == "Kinesis") AwsRegistration.AddKinesisStream(services, configuration);
        if (options.RawZone.Provider == "S3") AwsRegistration.AddS3RawZone(services, configuration);
        if (options.Store.Provider == "DynamoDb") AwsRegistration.AddDynamoDbStores(services, configuration);
        if (options.Warehouse.Provider == "BigQuery") services.AddBigQueryWarehouse();
        if (options.Warehouse.Provider == "DuckDb")
        {
            services.AddOptions<DuckDbWarehouseOptions>()
                .Bind(configuration.GetSection(DuckDbWarehouseOptions.Section))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.TryAddSingleton<IWarehouse>(sp => new DuckDbWarehouse(DataPath(sp, "warehouse.duckdb"), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IOptions<DuckDbWarehouseOptions>>().Value));
        }
        services.TryAddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<IRunStore>());
    }
}

/// <summary>Where S3 sends ObjectCreated events itself (on AWS), the process needs not notify anyone.</summary>
public sealed class NoRawZoneNotifications : IRawZoneNotifications
{
    public ValueTask NotifyAsync(RawObjectCreated created, CancellationToken ct) => ValueTask.CompletedTask;
}

internal abstract class BackendHealthCheck(string provider) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = provider };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await ProbeAsync(timeout.Token).ConfigureAwait(false);
            return Degradation(data) ?? HealthCheckResult.Healthy(provider, data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{provider}: {ex.Message}", null, data);
        }
    }

    protected abstract Task ProbeAsync(CancellationToken ct);

    /// <summary>A backend that answers but is not well (null when it is).</summary>
    protected virtual HealthCheckResult? Degradation(Dictionary<string, object> data) => null;
}

internal sealed class StreamHealthCheck(IEventStream stream) : BackendHealthCheck(stream.ProviderName)
{
    protected override Task ProbeAsync(CancellationToken ct) => stream.ListShardsAsync(ct);

    protected override HealthCheckResult? Degradation(Dictionary<string, object> data) =>
        stream is LocalEventStream local ? WalCheckpoints.Degradation(stream.ProviderName, local.Checkpoints, data) : null;
}

internal sealed class RawZoneHealthCheck(IRawZone rawZone) : BackendHealthCheck(rawZone.ProviderName)
{
    protected override Task ProbeAsync(CancellationToken ct) => rawZone.ListAsync(Domain.RawKeys.Root, 1, null, ct);
}

internal sealed class StoreHealthCheck(IRunStore runs, SqliteDatabase? sqlite = null) : BackendHealthCheck(runs.ProviderName)
{
    protected override Task ProbeAsync(CancellationToken ct) => runs.ListRunsAsync(1, ct);

    protected override HealthCheckResult? Degradation(Dictionary<string, object> data) =>
        sqlite is null ? null : WalCheckpoints.Degradation(runs.ProviderName, sqlite.Checkpoints, data);
}

/// <summary>
/// An embedded SQLite file answers while its WAL checkpoints fail, but its WAL then grows without bound. The description
/// stays generic (<c>/health</c> is open); the error is in <see cref="SqliteCheckpointStats.LastError"/>.
/// </summary>
internal static class WalCheckpoints
{
    public static HealthCheckResult? Degradation(string provider, SqliteCheckpointStats checkpoints, Dictionary<string, object> data) =>
        checkpoints.Failing
            ? HealthCheckResult.Degraded($"{provider}: WAL checkpoints are failing ({checkpoints.Failures} so far); the WAL grows until one succeeds", null, data)
            : null;
}

internal sealed class WarehouseHealthCheck(IWarehouse warehouse) : BackendHealthCheck(warehouse.ProviderName)
{
    protected override Task ProbeAsync(CancellationToken ct) => warehouse.AsOfAsync(ct);
}
