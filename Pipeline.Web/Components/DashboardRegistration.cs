using MudBlazor.Services;
using Pipeline.Web.Components.Shared;

namespace Pipeline.Web.Components;

/// <summary>The Blazor Server dashboard (MudBlazor), its throughput sampler, and its pages behind sign-in.</summary>
public static class DashboardRegistration
{
    public static IServiceCollection AddPipelineDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddThroughputSampling();
        return services;
    }

    public static WebApplication MapPipelineDashboard(this WebApplication app)
    {
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization();
        return app;
    }
}
