using Microsoft.Extensions.Configuration.Json;
using Pipeline.Core.Configuration;

namespace Pipeline.Web.Hosting;

/// <summary>What every host of the app needs before its parts: configuration files and paths, and the error pages.</summary>
public static class HostDefaults
{
    /// <summary>The environment's settings file beside the binaries, and a relative <c>Pipeline:DataDirectory</c> under the content root.</summary>
    public static WebApplicationBuilder AddPipelineHostDefaults(this WebApplicationBuilder builder)
    {
        AddLinkedEnvironmentSettings(builder);
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

    /// <summary>The error page and HSTS outside Development; status code pages everywhere.</summary>
    public static WebApplication UsePipelineHostDefaults(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseStatusCodePages();
        return app;
    }
}
