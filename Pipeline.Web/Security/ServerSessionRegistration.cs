using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Security;

/// <summary>
/// Server-side dashboard sessions: <see cref="ServerSessions"/> (used by the cookie's events in <see cref="AuthCookies"/>)
/// and the circuit's revalidating user (<see cref="SessionRevalidatingAuthenticationStateProvider"/>). The store is the run
/// store's <c>ISessionStore</c>.
/// </summary>
public static class ServerSessionRegistration
{
    public static IServiceCollection AddServerSessions(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ServerSessions(sp.GetRequiredService<ISessionStore>(),
            sp.GetRequiredService<IOptions<SignInOptions>>(), sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<ServerSessions>>()));
        // Added, not tried: it replaces the framework's ServerAuthenticationStateProvider whichever is registered first.
        services.AddScoped<AuthenticationStateProvider, SessionRevalidatingAuthenticationStateProvider>();
        return services;
    }
}
