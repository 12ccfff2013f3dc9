using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pipeline.Web.Hosting;

/// <summary><c>/health</c> as JSON: overall status and each backend's provider and state.</summary>
public static class HealthEndpoints
{
    public static WebApplication MapPipelineHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                provider = e.Value.Data.TryGetValue("provider", out var p) ? p : null,
                description = e.Value.Description,
            }),
        };
        return context.Response.WriteAsJsonAsync(body);
    }
}
