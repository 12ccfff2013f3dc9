using Microsoft.AspNetCore.HttpOverrides;

namespace Pipeline.Web.Security;

/// <summary>The security middleware, in order, and the account endpoints.</summary>
public static class SecurityPipeline
{
    /// <summary>
    /// Security headers, body limits, authentication, authorization, the rate limiter and the account endpoints. Call
    /// before <c>UseAntiforgery</c> and before anything that reads the user (the Hangfire dashboard's filter).
    /// </summary>
    public static WebApplication UsePipelineSecurity(this WebApplication app)
    {
        if (app.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() is { TrustLoopbackProxy: true })
            // The defaults trust loopback proxies only.
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto });
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapAccountEndpoints();
        return app;
    }
}
