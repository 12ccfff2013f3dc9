namespace Pipeline.Web.Security;

/// <summary>
/// <c>Pipeline:Security:Proxy</c>: the TLS-terminating reverse proxies in front of the dashboard whose
/// <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> are believed, so the HTTPS scheme (HSTS, Secure cookies) and the client
/// address (the sign-in rate limit) are the browser's. Nobody is trusted by default.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Pipeline:Security:Proxy";

    /// <summary>Trust a proxy on this machine (127.0.0.0/8 and ::1).</summary>
    public bool TrustLoopbackProxy { get; set; }

    /// <summary>Addresses of trusted proxies (<c>KnownProxies:0</c> = <c>10.0.0.5</c>), IPv4 or IPv6.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation (<c>KnownNetworks:0</c> = <c>10.0.0.0/24</c>).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>True when any proxy is trusted, i.e. the forwarded headers are read at all.</summary>
    public bool TrustsAnyProxy => TrustLoopbackProxy || KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}
