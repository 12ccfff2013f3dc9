extern alias web;

using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Web.Security;

namespace Pipeline.Benchmarks;

/// <summary>
/// The real Web host, composed by Program.cs's own <c>AddParts</c>/<c>UseParts</c>, with the embedded
/// backends in a fresh data directory and Kestrel on 127.0.0.1 with an ephemeral port.
/// </summary>
public static class PipelineHost
{
    public static async Task<WebApplication> StartAsync(string dataDirectory, IDictionary<string, string?>? extra = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            EnvironmentName = "Production",
            ApplicationName = typeof(web::Program).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = dataDirectory,
            ["Pipeline:Security:ApiKeys:0"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            ["Pipeline:Security:Admin:PasswordHash"] = AdminPasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        web::Program.AddParts(builder);
        var app = builder.Build();
        web::Program.UseParts(app);
        await app.StartAsync();
        return app;
    }
}
