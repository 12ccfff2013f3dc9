namespace Pipeline.Web.Security;

/// <summary>The security middleware, in order, and the account endpoints.</summary>
public static class SecurityPipeline
{
    /// <summary>
    /// Security headers, path-only redirects, no forms over plain HTTP where they need HTTPS, body limits, authentication,
    /// authorization, the rate limiter and the account endpoints. Call after the host defaults (the trusted proxy's scheme
    /// first), before <c>UseAntiforgery</c> and before anything that reads the user (the Hangfire dashboard's gate).
    /// </summary>
    public static WebApplication UsePipelineSecurity(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<RelativeRedirects>();
        app.UseMiddleware<SecureFormsOnly>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapAccountEndpoints();
        app.MapSessionEndpoints();
        return app;
    }
}
