using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Pipeline.Web.Security;

/// <summary>
/// The dashboard's sign-in cookie: name, flags, lifetime, what a signed-out request gets, and its server-side session
/// (<see cref="ServerSessions"/>): started at every sign-in (password and single sign-on alike), checked on every request
/// (pages, the Blazor hub, the Hangfire dashboard), revoked at sign-out.
/// </summary>
public static class AuthCookies
{
    public static void Configure(CookieAuthenticationOptions o, bool development)
    {
        o.Cookie.Name = development ? "pipeline.auth" : "__Host-pipeline.auth";
        o.Cookie.HttpOnly = true;
        // Lax, not Strict: the sign-on redirect back from an identity provider must carry the cookie.
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        o.LoginPath = AccountEndpoints.SignInPage;
        o.AccessDeniedPath = AccountEndpoints.SignInPage;
        o.LogoutPath = AccountEndpoints.SignOutPath;
        o.SlidingExpiration = true;
        o.Events.OnRedirectToLogin = context =>
        {
            // Browsers navigating get the sign-in page; scripts and API clients get a plain 401.
            if (IsPageRequest(context.Request)) context.Response.Redirect(context.RedirectUri);
            else context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
        o.Events.OnSigningIn = context =>
            Sessions(context.HttpContext).StartAsync(context.Principal!, context.HttpContext.RequestAborted);
        o.Events.OnValidatePrincipal = ValidateSessionAsync;
        o.Events.OnSigningOut = context =>
            // The user of the request signing out (empty when the cookie was refused, which revokes nothing).
            Sessions(context.HttpContext).EndAsync(context.HttpContext.User, CancellationToken.None);
    }

    /// <summary>
    /// Refuses a cookie whose session has ended (signed out, signed out everywhere, past its absolute end, or from before
    /// sessions were kept) and deletes it. When the store cannot answer, the request is refused but the cookie kept.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        bool active;
        try
        {
            active = await Sessions(context.HttpContext).IsActiveAsync(context.Principal!, context.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuthCookies))
                .LogWarning("Could not check a dashboard session; the request is treated as signed out: {Error}", e.Message);
            context.RejectPrincipal();
            return;
        }
        if (active) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(context.Scheme.Name);
    }

    private static ServerSessions Sessions(HttpContext http) => http.RequestServices.GetRequiredService<ServerSessions>();

    private static bool IsPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/_blazor")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
