using MudBlazor.Services;
using Pipeline.Web.Components.Shared;

namespace Pipeline.Web.Components;

/// <summary>The Blazor Server dashboard (MudBlazor), its throughput sampler, and its pages behind sign-in.</summary>
public static class DashboardRegistration
{
    public static IServiceCollection AddPipelineDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Notices at the bottom: at the top right they covered the page's action buttons (Re-run, Retry) for seconds.
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomCenter);
        services.AddThroughputSampling();
        return services;
    }

    public static WebApplication MapPipelineDashboard(this WebApplication app)
    {
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization();
        return app;
    }
}
