using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Configuration.Json;
using Pipeline.Core.Configuration;
using Pipeline.Web.Security;

namespace Pipeline.Web.Hosting;

/// <summary>What every host of the app needs before its parts: configuration files and paths, and the error pages.</summary>
public static class HostDefaults
{
    /// <summary>
    /// The environment's settings file beside the binaries, a relative <c>Pipeline:DataDirectory</c> under the content root,
    /// and the trusted reverse proxies (<c>Pipeline:Security:Proxy</c>).
    /// </summary>
    public static WebApplicationBuilder AddPipelineHostDefaults(this WebApplicationBuilder builder)
    {
        AddLinkedEnvironmentSettings(builder);
        builder.Services.AddTrustedProxy(builder.Configuration);
        builder.Services.PostConfigure<PipelineOptions>(o =>
        {
            // A relative data directory lives beside the app's content, wherever the process was started from.
            if (!Path.IsPathRooted(o.DataDirectory)) o.DataDirectory = Path.Combine(builder.Environment.ContentRootPath, o.DataDirectory);
        });
        return builder;
    }

    /// <summary>
    /// The environment files (appsettings.Development.json, appsettings.Emulators.json) live at the repository root and are
    /// copied beside the binaries; load that copy right after the content root's own, so environment variables still win.
    /// </summary>
    private static void AddLinkedEnvironmentSettings(WebApplicationBuilder builder)
    {
        var file = $"appsettings.{builder.Environment.EnvironmentName}.json";
        var linked = Path.Combine(AppContext.BaseDirectory, file);
        if (!File.Exists(linked) || File.Exists(Path.Combine(builder.Environment.ContentRootPath, file))) return;
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        var index = sources.Select((s, i) => (s, i)).FirstOrDefault(x => x.s is JsonConfigurationSource j && j.Path == file, (null!, -1)).Item2;
        var source = new JsonConfigurationSource { Path = linked, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        sources.Insert(index >= 0 ? index + 1 : Math.Min(2, sources.Count), source);
    }

    /// <summary>The dashboard's page for an address nothing answers (<c>Pages/NotFound.razor</c>).</summary>
    public const string NotFoundPath = "/not-found";

    /// <summary>
    /// First the trusted proxy's forwarded headers (so HSTS and everything after see the browser's scheme); then the error
    /// page and HSTS outside Development, and in Development problem details for <c>/api</c> instead of the developer
    /// exception page (which would echo the request's headers); status code pages everywhere: a browser navigating to an
    /// address nothing answers gets the dashboard's not-found page (HTML, still a 404), everything else (the API,
    /// scripts) problem details.
    /// </summary>
    public static WebApplication UsePipelineHostDefaults(this WebApplication app)
    {
        app.UseTrustedProxy();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        else
            // Inside the developer exception page (added first by the host): an /api exception never reaches it.
            app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseExceptionHandler(ApiErrors));
        // Two status code pages, each switched off for the other's requests. Not UseWhen branches: a branch has no
        // endpoint routing of its own, so a re-execution there would find no page.
        app.UseStatusCodePagesWithReExecute(NotFoundPath, createScopeForStatusCodePages: true);
        app.Use((context, next) => SwitchOffUnless(context, IsBrowserNavigation(context.Request), next));
        app.UseStatusCodePages();
        app.Use((context, next) => SwitchOffUnless(context, !IsBrowserNavigation(context.Request), next));
        return app;
    }

    /// <summary>An unhandled exception under <c>/api</c>: problem details (JSON whatever the client accepts), no exception text or request data.</summary>
    private static readonly ExceptionHandlerOptions ApiErrors = new()
    {
        ExceptionHandler = context => Results.Problem(title: "An error occurred while processing your request.",
            statusCode: StatusCodes.Status500InternalServerError).ExecuteAsync(context),
    };

    /// <summary>Switches the status code pages installed just before off for this request unless <paramref name="mine"/>.</summary>
    private static Task SwitchOffUnless(HttpContext context, bool mine, RequestDelegate next)
    {
        if (!mine && context.Features.Get<IStatusCodePagesFeature>() is { } feature) feature.Enabled = false;
        return next(context);
    }

    /// <summary>A browser loading a page: a GET that accepts HTML, outside the API and Blazor's and Hangfire's own paths.</summary>
    public static bool IsBrowserNavigation(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && !request.Path.StartsWithSegments("/api")
        && !request.Path.StartsWithSegments("/_blazor")
        && !request.Path.StartsWithSegments("/_framework")
        && !request.Path.StartsWithSegments("/hangfire")
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
