using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.Web.Hosting;

/// <summary>
/// <c>/health</c> as JSON, open to anyone: the overall status and each check's status (Healthy, Degraded, Unhealthy).
/// A signed-in user or a caller with a valid API key (<c>X-Api-Key</c>, or <c>Authorization: Bearer</c>) also gets each
/// check's provider and description (what is degraded, or the backend's error). For orchestrators, also without a key:
/// <c>/health/live</c> (the process answers; no backend is probed) and <c>/health/ready</c> (every backend answers:
/// 200 while Healthy or Degraded, 503 when one is Unhealthy), in the same shape.
/// </summary>
public static class HealthEndpoints
{
    public static WebApplication MapPipelineHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/live", new HealthCheckOptions { ResponseWriter = WriteAsync, Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { ResponseWriter = WriteAsync, Predicate = c => c.Tags.Contains("backend") });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        object body = MayReadDetails(context)
            ? new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    status = e.Value.Status.ToString(),
                    provider = e.Value.Data.TryGetValue("provider", out var p) ? p : null,
                    description = e.Value.Description,
                }),
            }
            : new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString() }),
            };
        return context.Response.WriteAsJsonAsync(body);
    }

    /// <summary>Signed in, or a valid key in <c>X-Api-Key</c> or <c>Authorization: Bearer</c>.</summary>
    private static bool MayReadDetails(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true || context.RequestServices.GetRequiredService<ApiKeyVerifier>().Admits(context.Request);
}
