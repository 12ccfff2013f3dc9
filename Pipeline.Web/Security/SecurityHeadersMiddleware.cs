using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// Adds the security headers to every response: a Content-Security-Policy that fits Blazor Server and MudBlazor
/// (scripts only from this origin or with the request's nonce; inline styles allowed, which MudBlazor needs; images only
/// from this origin or inline, since no page shows a remote one), no framing, no MIME sniffing, no referrer. The nonce
/// is kept on the request for the page's inline import map.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next, IOptions<OidcOptions> oidc)
{
    private const string NonceKey = "pipeline.csp-nonce";
    private readonly string _formActions = FormActions(oidc.Value);

    public static string? NonceOf(HttpContext? context) => context?.Items[NonceKey] as string;

    public Task InvokeAsync(HttpContext context)
    {
        // base64url: no '+', '/' or '=' that HTML attribute encoding would turn into entities.
        var nonce = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        // Set when the response starts, so an exception handler that clears the headers cannot drop them.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy =
                "default-src 'self'; " +
                $"script-src 'self' 'nonce-{nonce}'; " +
                "style-src 'self' 'unsafe-inline'; " +
                "img-src 'self' data:; " +
                "font-src 'self' data:; " +
                "connect-src 'self'; " +
                "object-src 'none'; " +
                "base-uri 'self'; " +
                $"form-action {_formActions}; " +
                "frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(context);
    }

    /// <summary>Forms post here only; with single sign-on, sign-out may also redirect to the identity provider.</summary>
    private static string FormActions(OidcOptions oidc) =>
        oidc.Enabled && Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority)
            ? $"'self' {authority.GetLeftPart(UriPartial.Authority)}"
            : "'self'";
}
