using Hangfire.Dashboard;
using Pipeline.Web.Hosting;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// Lets into the Hangfire dashboard only an authenticated user or a request carrying a valid <c>X-Api-Key</c>.
/// Local requests get no exception (unlike Hangfire's default filter).
/// </summary>
public sealed class HangfireDashboardAuthorization(ApiKeyVerifier verifier) : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) => Allows(context.GetHttpContext());

    /// <summary>Signed in, or presenting a valid API key.</summary>
    public bool Allows(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true || verifier.IsValid(http.Request.Headers[ApiKeyVerifier.HeaderName].ToString());

    /// <summary>Neither signed in nor presenting a key: the caller should sign in (a wrong key is refused by <see cref="Authorize"/>).</summary>
    public static bool NeedsSignIn(HttpContext http) =>
        http.User.Identity?.IsAuthenticated != true && string.IsNullOrEmpty(http.Request.Headers[ApiKeyVerifier.HeaderName].ToString());
}
