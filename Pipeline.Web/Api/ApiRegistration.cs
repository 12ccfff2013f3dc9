using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Pipeline.Web.Hosting;

namespace Pipeline.Web.Api;

/// <summary>The REST API under <c>/api</c>: its keys (<c>Pipeline:Security:ApiKeys</c>), JSON shape and problem details.</summary>
public static class ApiRegistration
{
    public static IServiceCollection AddPipelineApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateOnStart();
        services.AddSingleton<ApiKeyVerifier>();
        services.AddProblemDetails();
        // A body that does not bind is a 400 (problem details from the status code pages), not an exception that the
        // Development exception page would show with the request's headers.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.MaxDepth = 32;
        });
        return services;
    }

    /// <summary>The API key is checked in middleware, before the endpoint binds (reads) the body.</summary>
    public static WebApplication MapPipelineApi(this WebApplication app)
    {
        app.UseMiddleware<ApiKeyMiddleware>();
        var api = app.MapGroup(ApiKeyMiddleware.PathPrefix).DisableAntiforgery();
        api.MapIngestionEndpoints();
        api.MapReplayEndpoints();
        api.MapProductEndpoints();
        api.MapWarehouseEndpoints();
        api.MapScheduleEndpoints();
        api.MapTrustEndpoints();
        return app;
    }
}
