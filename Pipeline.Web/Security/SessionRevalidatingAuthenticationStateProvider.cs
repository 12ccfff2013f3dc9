using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// The Blazor circuit's user: every <see cref="SignInOptions.CircuitRevalidationSeconds"/> the open tab's session is
/// checked on the server (<see cref="ServerSessions"/>); once it has ended (signed out in another tab, everywhere, or past
/// its absolute end) the circuit's user becomes anonymous and the layout sends the tab to the sign-in page.
/// </summary>
public sealed class SessionRevalidatingAuthenticationStateProvider(
    ILoggerFactory loggers, ServerSessions sessions, IOptions<SignInOptions> options, ILogger<SessionRevalidatingAuthenticationStateProvider> logger)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => options.Value.CircuitRevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        if (authenticationState.User.Identity?.IsAuthenticated != true) return true; // nothing to end
        try
        {
            return await sessions.IsActiveAsync(authenticationState.User, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store is unreachable: the tab keeps its user until the next check (each request still fails closed).
            logger.LogWarning(
                "Could not check the dashboard session of an open tab: {Error}", e.Message);
            return true;
        }
    }
}
