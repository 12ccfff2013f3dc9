using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// The account endpoints behind the sign-in page: password sign-in (antiforgery-checked, rate-limited), single sign-on
/// (when OpenID Connect is configured) and sign-out. The page itself is <c>Components/Pages/Account/SignIn.razor</c>.
/// </summary>
public static class AccountEndpoints
{
    public const string SignInPage = "/account/sign-in";
    public const string PasswordSignInPath = "/account/sign-in/password";
    public const string SingleSignOnPath = "/account/sso";
    public const string SignOutPath = "/account/sign-out";
    public const string SignInRateLimitPolicy = "sign-in";

    /// <summary>The claim telling how the user signed in: <c>password</c> or <c>oidc</c>.</summary>
    public const string SignInMethodClaim = "pipeline:sign-in-method";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").AllowAnonymous().ExcludeFromDescription();
        account.MapPost("/sign-in/password", PasswordSignInAsync).RequireRateLimiting(SignInRateLimitPolicy);
        account.MapPost("/sign-out", SignOutAsync);
        if (app.ServiceProvider.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled)
            account.MapGet("/sso", (string? returnUrl) => Results.Challenge(
                new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, [OidcOptions.Scheme])).RequireRateLimiting(SignInRateLimitPolicy);
        return app;
    }

    /// <summary>The longest return URL kept, after encoding; a longer one becomes "/".</summary>
    public const int MaxReturnUrlLength = 2048;

    /// <summary>
    /// Only a path on this site (not another host, not back to the account pages); anything else becomes "/". Characters
    /// a <c>Location</c> header cannot carry (non-ASCII, spaces) are percent-encoded as UTF-8, so <c>/é/x</c> comes back
    /// as <c>/%C3%A9/x</c>; control characters, or more than <see cref="MaxReturnUrlLength"/> characters, give "/".
    /// </summary>
    public static string SafeReturnUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxReturnUrlLength || url[0] != '/') return "/";
        if (url.Length > 1 && url[1] is '/' or '\\') return "/";
        if (url.Any(c => char.IsControl(c) || c == '\\')) return "/";
        if (url.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)) return "/";
        var encoded = EncodeForLocation(url);
        return encoded.Length > MaxReturnUrlLength ? "/" : encoded;
    }

    /// <summary>Percent-encodes (UTF-8) every character outside printable ASCII; the rest is kept as typed.</summary>
    private static string EncodeForLocation(string url)
    {
        if (url.All(c => c is > ' ' and < (char)0x7F)) return url;
        var builder = new StringBuilder(url.Length * 3);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes()) // a lone surrogate comes as U+FFFD
        {
            if (rune.Value is > ' ' and < 0x7F)
            {
                builder.Append((char)rune.Value);
                continue;
            }
            foreach (var b in bytes[..rune.EncodeToUtf8(bytes)]) builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    private static async Task<IResult> PasswordSignInAsync(
        [FromForm] PasswordSignInForm form, HttpContext http, AdminCredentials admin, SignInThrottle throttle, ILoggerFactory loggers)
    {
        // Antiforgery is validated by the framework before this runs (the endpoint binds a form).
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var client = SignInRateLimit.ClientAddress(http);
        if (throttle.TryBegin(client, form.UserName) is { } refusal)
        {
            SignInRateLimit.LogRefusal(http, refusal.Reason, refusal.RetryAfter);
            await SignInRateLimit.WriteRefusalAsync(http, refusal.RetryAfter, http.RequestAborted);
            return Results.Empty;
        }
        if (!admin.Verify(form.UserName, form.Password))
        {
            throttle.Failed(client, form.UserName);
            // Neither the name nor the password typed is logged: either may hold a password.
            loggers.CreateLogger(typeof(AccountEndpoints)).LogWarning("Dashboard sign-in failed from {RemoteAddress}", client);
            return Results.Redirect($"{SignInPage}?error=credentials&ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        throttle.Succeeded(client, form.UserName);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, $"admin:{admin.UserName}"),
            new Claim(ClaimTypes.Name, admin.UserName),
            new Claim(ClaimTypes.Role, "admin"),
            new Claim(SignInMethodClaim, "password"),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = false });
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, IOptions<OidcOptions> oidc)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
            return Results.Problem(title: "The form has expired.", detail: "Reload the page and sign out again.",
                statusCode: StatusCodes.Status400BadRequest);
        var signedOut = new AuthenticationProperties { RedirectUri = $"{SignInPage}?signedOut=1" };
        if (oidc.Value.Enabled && http.User.FindFirst(SignInMethodClaim)?.Value == "oidc")
            return Results.SignOut(signedOut, [CookieAuthenticationDefaults.AuthenticationScheme, OidcOptions.Scheme]);
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect(signedOut.RedirectUri);
    }
}
