using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Security;

/// <summary>
/// <c>Pipeline:Security:SignIn:Throttle</c>: the growing delay per client address and typed user name, and the flood
/// guard per client address in front of the account endpoints. The per-address cap on password checks is
/// <see cref="SignInOptions.PermitLimit"/> per <see cref="SignInOptions.WindowSeconds"/>.
/// </summary>
public sealed class SignInThrottleOptions
{
    public const string Section = "Pipeline:Security:SignIn:Throttle";

    /// <summary>Failed attempts per (address, user name) answered without delay.</summary>
    [Range(0, 100)]
    public int FreeFailures { get; set; } = 3;

    /// <summary>The wait after the first failure past <see cref="FreeFailures"/>; it doubles with each further failure.</summary>
    [Range(1, 3600)]
    public int FirstDelaySeconds { get; set; } = 1;

    /// <summary>The longest wait between two attempts for one (address, user name).</summary>
    [Range(1, 86_400)]
    public int MaxDelaySeconds { get; set; } = 300;

    /// <summary>Failures are forgotten this long after the last attempt (at least <see cref="MaxDelaySeconds"/>).</summary>
    [Range(1, 7 * 86_400)]
    public int ForgetAfterSeconds { get; set; } = 900;

    /// <summary>Addresses and (address, user name) pairs remembered at most; the oldest are forgotten first.</summary>
    [Range(100, 1_000_000)]
    public int MaxTrackedEntries { get; set; } = 10_000;

    /// <summary>Requests per client address to the account endpoints per <see cref="SignInOptions.WindowSeconds"/>, refused or not.</summary>
    [Range(1, 100_000)]
    public int RequestLimit { get; set; } = 120;
}
