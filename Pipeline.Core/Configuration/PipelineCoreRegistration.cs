using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Health;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Core.Trust;

namespace Pipeline.Core.Configuration;

/// <summary>
/// Registers the pipeline's options, sources, stages and health checks. Shared by the Web host and the Lambdas; the adapter
/// serving each port is registered by its own project (<c>AddLocalAdapters</c>, <c>AddAwsAdapters</c>, <c>AddGoogleAdapters</c>).
/// </summary>
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

        services.TryAddSingleton<IRawZoneNotifications, NoRawZoneNotifications>();
        services.TryAddSingleton<IRunCompletionListener, NoRunCompletionListener>();
        services.TryAddSingleton<RunEvents>();
        services.AddTransient<RunFinisher>();
        services.AddTransient<TriggerHandler>();
        services.AddTransient<FetchHandler>();
        services.AddTransient<TransformHandler>();
        services.AddTransient<ReplayHandler>();
        services.AddTransient<WarehouseRefresher>();

        AddTrustSignals(services, configuration);

        services.AddHealthChecks()
            .AddCheck<StreamHealthCheck>("stream", tags: ["backend"])
            .AddCheck<RawZoneHealthCheck>("rawZone", tags: ["backend"])
            .AddCheck<StoreHealthCheck>("store", tags: ["backend"])
            .AddCheck<WarehouseHealthCheck>("warehouse", tags: ["backend"]);
        return services;
    }

    /// <summary>Source freshness, data checks and webhook notifications (README: "Trust signals").</summary>
    private static void AddTrustSignals(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FreshnessOptions>().Configure(o => o.ReadFrom(configuration)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FreshnessOptions>, FreshnessOptionsValidator>();
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section))
            .PostConfigure(o => SplitEventLists(o, configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        services.TryAddSingleton<ISourceSchedules, NoSourceSchedules>();
        services.TryAddSingleton<DeliverySignal>();
        services.TryAddSingleton<SourceFreshnessService.Memo>();
        services.AddTransient<SourceFreshnessService>();
        services.AddTransient<DataChecks>();
        services.AddTransient<Notifier>();
        services.AddTransient<WebhookSender>();
        services.AddTransient<TrustMonitor>();
        services.AddHttpClient(WebhookSender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .ConfigureHttpClient(http =>
            {
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
                http.DefaultRequestHeaders.UserAgent.ParseAdd("Pipeline-Webhooks/1.0");
            })
            .AddStandardResilienceHandler()
            // Retries are the outbox's (kept across restarts, same delivery id), not in-process; one circuit per receiver.
            .SelectPipelineByAuthority()
            .Configure((o, sp) =>
            {
                var timeout = sp.GetRequiredService<IOptions<NotificationOptions>>().Value.Timeout;
                o.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
                o.AttemptTimeout.Timeout = timeout;
                o.TotalRequestTimeout.Timeout = timeout + TimeSpan.FromSeconds(1);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, timeout.Ticks * 2));
            });
    }

    /// <summary><c>…:Webhooks:N:Events</c> may also be one comma-separated value (an environment variable).</summary>
    private static void SplitEventLists(NotificationOptions options, IConfiguration configuration)
    {
        for (var i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            if (configuration[$"{NotificationOptions.Section}:Webhooks:{i}:Events"] is { Length: > 0 } single) hook.Events = [single];
            hook.Events = hook.Events.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        }
    }

    private static void AddSources(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DummyJsonOptions>().Bind(configuration.GetSection(DummyJsonOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<FakeStoreOptions>().Bind(configuration.GetSection(FakeStoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SyntheticOptions>().Bind(configuration.GetSection(SyntheticOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RunLimitsOptions>().Bind(configuration.GetSection(RunLimitsOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.ReplayStallTimeout >= TimeSpan.FromSeconds(1) && o.ReplayStallTimeout <= TimeSpan.FromDays(1),
                "Pipeline:Limits:ReplayStallTimeout must be between 00:00:01 and 1.00:00:00.")
            .ValidateOnStart();

        services.AddHttpClient<DummyJsonSource>((sp, http) => ConfigureClient(http, sp.GetRequiredService<IOptions<DummyJsonOptions>>().Value))
            .AddStandardResilienceHandler(o => ConfigureResilience(o, configuration.GetSection(DummyJsonOptions.Section)))
            .Configure((o, sp) => TellRetries(o, sp.GetRequiredService<RunEvents>()));
        services.AddHttpClient<FakeStoreSource>((sp, http) => ConfigureClient(http, sp.GetRequiredService<IOptions<FakeStoreOptions>>().Value))
            .AddStandardResilienceHandler(o => ConfigureResilience(o, configuration.GetSection(FakeStoreOptions.Section)))
            .Configure((o, sp) => TellRetries(o, sp.GetRequiredService<RunEvents>()));
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

    /// <summary>Each retry of a page's request becomes a warning in its run's event log, with its cause (429, 503, timeout).</summary>
    private static void TellRetries(HttpStandardResilienceOptions options, RunEvents events) =>
        options.Retry.OnRetry = async args =>
        {
            if (PageFetchScope.Current is not { } task) return;
            var cause = args.Outcome.Result is { } response
                ? $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd()
                : args.Outcome.Exception is { } ex ? RunEvents.CauseOf(ex) : "unknown";
            var retry = args.AttemptNumber + 1;
            await events.RecordAsync(new RunEvent
            {
                RunId = task.RunId, At = default, Level = RunEventLevel.Warning, Stage = RunEventStage.Fetch,
                Key = RunEventKeys.Unique("http-retry"), Page = task.Page, Skip = task.Skip, RawKey = task.RawKey, Attempt = retry + 1, Cause = cause,
                Message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Page {task.Page} (skip {task.Skip}): {cause}; retry {retry} in {args.RetryDelay.TotalMilliseconds:N0} ms"),
            }, CancellationToken.None).ConfigureAwait(false);
        };
}
