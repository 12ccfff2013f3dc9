
namespace Pipeline.Web.Security;

/// <summary><c>Pipeline:Security:Proxy</c>: a TLS-terminating reverse proxy in front of the dashboard.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Pipeline:Security:Proxy";

    /// <summary>
    /// Trust <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> from a proxy on this machine (loopback), so the HTTPS scheme and
    /// the client address (for the sign-in rate limit) are the browser's. Off by default: never trust them from anyone else.
    /// </summary>
    public bool TrustLoopbackProxy { get; set; }
}
