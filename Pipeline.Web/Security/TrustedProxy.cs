using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>
/// The forwarded headers from the proxies <see cref="ProxyOptions"/> names: read first, before HSTS, the error page and
/// anything else that looks at the scheme or the client address.
/// </summary>
public static class TrustedProxy
{
    public static IServiceCollection AddTrustedProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((o, proxy) => Configure(o, proxy.Value));
        return services;
    }

    /// <summary>Reads <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> from a trusted proxy; does nothing when none is configured.</summary>
    public static WebApplication UseTrustedProxy(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.TrustsAnyProxy) app.UseForwardedHeaders();
        return app;
    }

    private static void Configure(ForwardedHeadersOptions o, ProxyOptions proxy)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        // The framework's defaults are the loopback proxies: kept only when asked for.
        if (!proxy.TrustLoopbackProxy)
        {
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
        }
        foreach (var address in proxy.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(address));
        foreach (var network in proxy.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
    }
}
