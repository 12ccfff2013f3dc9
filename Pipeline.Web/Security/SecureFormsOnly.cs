using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// Where the antiforgery cookie is Secure-only (outside Development), a plain-HTTP request that would issue or check an
/// antiforgery token (any post, the account pages, the jobs dashboard) cannot work: the framework would throw deep
/// inside and log it as an error. It is answered 403 with problem details instead, and logged at Debug only. The API
/// (key, no cookies) and /health still answer over plain HTTP.
/// </summary>
public sealed class SecureFormsOnly(RequestDelegate next, IOptions<AntiforgeryOptions> antiforgery, ILogger<SecureFormsOnly> logger)
{
    private readonly bool _httpsOnly = antiforgery.Value.Cookie.SecurePolicy == CookieSecurePolicy.Always;

    public Task InvokeAsync(HttpContext context)
    {
        if (!_httpsOnly || context.Request.IsHttps || !NeedsAntiforgery(context.Request)) return next(context);
        logger.LogDebug("Refused {Method} {Path} over plain HTTP (forms need HTTPS here)", context.Request.Method, context.Request.Path);
        return Results.Problem(title: "HTTPS required.", detail: "This address is served over HTTPS only.",
            statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
    }

    private static bool NeedsAntiforgery(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/health")
        && (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            || request.Path.StartsWithSegments(AccountEndpoints.SignInPage)
            || request.Path.StartsWithSegments(Scheduling.SchedulingRegistration.DashboardPath));
}
