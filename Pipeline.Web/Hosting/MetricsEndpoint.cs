namespace Pipeline.Web.Hosting;

/// <summary>
/// <c>GET /metrics</c>: the Prometheus text exposition of the app's metrics (<c>pipeline_*</c> and the ASP.NET Core,
/// HttpClient and runtime ones), for a caller with an API key in <c>Authorization: Bearer</c> or <c>X-Api-Key</c>.
/// Never anonymous, also not for a signed-in browser (a scraper has a key; the dashboard shows the numbers itself).
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static WebApplication MapPipelineMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(RequireKeyAsync), optionsName: null)
            .AllowAnonymous(); // no sign-in redirect: the key is checked in the branch
        return app;
    }

    private static Task RequireKeyAsync(HttpContext context, RequestDelegate next)
    {
        if (context.RequestServices.GetRequiredService<ApiKeyVerifier>().Admits(context.Request)) return next(context);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(title: "Unauthorized.", detail: $"An API key is required: Authorization: Bearer <key>, or {ApiKeyVerifier.HeaderName}.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
    }
}
