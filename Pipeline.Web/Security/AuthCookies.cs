using Microsoft.AspNetCore.Authentication.Cookies;

namespace Pipeline.Web.Security;

/// <summary>The dashboard's sign-in cookie: name, flags, lifetime and what a signed-out request gets.</summary>
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
    }

    private static bool IsPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && !request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/_blazor")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
