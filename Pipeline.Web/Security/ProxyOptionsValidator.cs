using System.Net;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Security;

/// <summary>Every trusted proxy is an IP address and every trusted network a CIDR range; a failure names its key.</summary>
public sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Count; i++)
            if (!IsAddress(options.KnownProxies[i]))
                failures.Add($"{ProxyOptions.Section}:{nameof(ProxyOptions.KnownProxies)}:{i} '{options.KnownProxies[i]}' is not an IP address.");
        for (var i = 0; i < options.KnownNetworks.Count; i++)
            if (!System.Net.IPNetwork.TryParse(options.KnownNetworks[i], out _))
                failures.Add($"{ProxyOptions.Section}:{nameof(ProxyOptions.KnownNetworks)}:{i} '{options.KnownNetworks[i]}' is not a network in CIDR notation (e.g. 10.0.0.0/24).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>A dotted IPv4 or an IPv6 address (not the shorthand <c>10</c>, which would parse as 0.0.0.10).</summary>
    private static bool IsAddress(string value) => (value.Contains('.') || value.Contains(':')) && IPAddress.TryParse(value, out _);
}
