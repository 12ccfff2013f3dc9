using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// The embedded adapters, each for the ports configured to use it: the local stream (<c>Pipeline:Stream:Provider</c>
/// <c>Local</c>, <c>stream.db</c>), the folder raw zone (<c>Pipeline:RawZone:Provider</c> <c>Local</c>, <c>rawzone/</c>),
/// the SQLite stores (<c>Pipeline:Store:Provider</c> <c>Local</c>, <c>store.db</c>) and the DuckDB warehouse
/// (<c>Pipeline:Warehouse:Provider</c> <c>DuckDb</c>, <c>warehouse.duckdb</c>), all under <c>Pipeline:DataDirectory</c>.
/// </summary>
public static class LocalAdaptersRegistration
{
    public static IServiceCollection AddLocalAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        var options = PipelineOptions.From(configuration);

        if (options.Stream.Provider == "Local")
        {
            services.TryAddSingleton(sp =>
            {
                var o = sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Stream;
                return new LocalEventStream(DataPath(sp, "stream.db"), o.ShardCount, TimeSpan.FromHours(o.RetentionHours),
                    sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger<LocalEventStream>());
            });
            services.TryAddSingleton<IEventStream>(sp => sp.GetRequiredService<LocalEventStream>());
            services.TryAddSingleton<IStreamSignal>(sp => sp.GetRequiredService<LocalEventStream>());
            services.AddSingleton<IBackendCondition>(sp =>
                new WalCheckpointCondition("stream", () => sp.GetRequiredService<LocalEventStream>().Checkpoints));
        }
        if (options.RawZone.Provider == "Local")
            services.TryAddSingleton<IRawZone>(sp => new FolderRawZone(DataPath(sp, "rawzone")));
        if (options.Store.Provider == "Local")
        {
            services.TryAddSingleton(sp => new SqliteDatabase(DataPath(sp, "store.db"),
                logger: sp.GetService<ILoggerFactory>()?.CreateLogger<SqliteDatabase>()));
            services.TryAddSingleton(sp => new SqliteProductStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<IProductStore>(sp => sp.GetRequiredService<SqliteProductStore>());
            services.TryAddSingleton<IProductChangeFeed>(sp => sp.GetRequiredService<SqliteProductStore>());
            services.TryAddSingleton<IBulkLoadTarget>(sp => sp.GetRequiredService<SqliteProductStore>());
            services.TryAddSingleton(sp => new SqliteRunStore(sp.GetRequiredService<SqliteDatabase>()));
            services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<ICheckpointStore>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<IIdempotencyMarkers>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<IRefreshStore>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<IRunEventLog>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<IQualityStore>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.TryAddSingleton<ISessionStore>(sp => sp.GetRequiredService<SqliteRunStore>());
            services.AddSingleton<IBackendCondition>(sp =>
                new WalCheckpointCondition("store", () => sp.GetRequiredService<SqliteDatabase>().Checkpoints));
        }
        if (options.Warehouse.Provider == "DuckDb")
        {
            services.AddOptions<DuckDbWarehouseOptions>()
                .Bind(configuration.GetSection(DuckDbWarehouseOptions.Section))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.TryAddSingleton<IWarehouse>(sp => new DuckDbWarehouse(DataPath(sp, "warehouse.duckdb"), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IOptions<DuckDbWarehouseOptions>>().Value));
        }
        return services;
    }

    private static string DataPath(IServiceProvider sp, string name) =>
        Path.Combine(sp.GetRequiredService<IOptions<PipelineOptions>>().Value.DataDirectory, name);
}
