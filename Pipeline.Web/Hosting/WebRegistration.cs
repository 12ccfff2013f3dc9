using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using Pipeline.Core.Configuration;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Web.Api;
using Pipeline.Web.Components;
using Pipeline.Web.Components.Shared;
using Pipeline.Web.Scheduling;
using Pipeline.Web.Security;

namespace Pipeline.Web.Hosting;

/// <summary>The Web host's composition: the core, the local event-source mappings, the API and the dashboard.</summary>
public static class WebRegistration
{
    public static WebApplicationBuilder AddPipelineWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        AddLinkedEnvironmentSettings(builder);
        services.PostConfigure<PipelineOptions>(o =>
        {
            // A relative data directory lives beside the app's content, wherever the process was started from.
            if (!Path.IsPathRooted(o.DataDirectory)) o.DataDirectory = Path.Combine(builder.Environment.ContentRootPath, o.DataDirectory);
        });

        services.AddOptions<LocalMappingOptions>().Bind(configuration.GetSection(LocalMappingOptions.Section)).ValidateOnStart();
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateOnStart();
        services.AddPipelineSecurity(configuration, builder.Environment);

        // The local event-source mappings replace the Lambda-side defaults registered by the core.
        services.AddSingleton<PlanQueue>();
        services.AddSingleton<RefreshQueue>();
        services.AddSingleton<RawObjectQueue>();
        services.Replace(ServiceDescriptor.Singleton<IRawZoneNotifications>(sp => sp.GetRequiredService<RawObjectQueue>()));
        services.Replace(ServiceDescriptor.Singleton<IRunCompletionListener, RefreshAfterRun>());
        services.AddPipelineCore(configuration);
        services.AddScoped<IPipelineCommands, PipelineCommands>();
        services.AddSingleton<ApiKeyVerifier>();

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
        services.AddPipelineScheduling(configuration);
        services.AddThroughputSampling();

        services.AddProblemDetails();
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.MaxDepth = 32;
        });
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return builder;
    }

    /// <summary>
    /// The environment files (appsettings.Development.json, appsettings.Emulators.json) live at the repository root and are
    /// copied beside the binaries; load that copy right after the content root's own, so environment variables still win.
    /// </summary>
    private static void AddLinkedEnvironmentSettings(WebApplicationBuilder builder)
    {
        var file = $"appsettings.{builder.Environment.EnvironmentName}.json";
        var linked = Path.Combine(AppContext.BaseDirectory, file);
        if (!File.Exists(linked) || File.Exists(Path.Combine(builder.Environment.ContentRootPath, file))) return;
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        var index = sources.Select((s, i) => (s, i)).FirstOrDefault(x => x.s is JsonConfigurationSource j && j.Path == file, (null!, -1)).Item2;
        var source = new JsonConfigurationSource { Path = linked, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        sources.Insert(index >= 0 ? index + 1 : Math.Min(2, sources.Count), source);
    }

    public static WebApplication UsePipelineWeb(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseStatusCodePages();
        app.UsePipelineSecurity();
        app.UseAntiforgery();
        app.MapStaticAssets();

        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });

        var api = app.MapGroup("/api").AddEndpointFilter<ApiKeyFilter>().DisableAntiforgery();
        api.MapIngestionEndpoints();
        api.MapProductEndpoints();
        api.MapWarehouseEndpoints();
        api.MapScheduleEndpoints();
        app.MapPipelineScheduling();

        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization();
        return app;
    }
}

/// <summary>Creates every backend's tables, folders and streams before the workers start.</summary>
public sealed class BackendInitializer(IEventStream stream, IRawZone rawZone, IProductStore store, IRunStore runs, IWarehouse warehouse)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await stream.EnsureCreatedAsync(cancellationToken);
        await rawZone.EnsureCreatedAsync(cancellationToken);
        await store.EnsureCreatedAsync(cancellationToken);
        await runs.EnsureCreatedAsync(cancellationToken);
        await warehouse.EnsureSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>/health as JSON: overall status and each backend's provider and state.</summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                provider = e.Value.Data.TryGetValue("provider", out var p) ? p : null,
                description = e.Value.Description,
            }),
        };
        return context.Response.WriteAsJsonAsync(body);
    }
}
