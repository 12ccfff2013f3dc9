using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Security;

/// <summary>
/// <c>Pipeline:Security:SignIn</c>: session lengths (sliding and absolute), how often a session is checked on the server,
/// and the sign-in rate limit (per client address).
/// </summary>
public sealed class SignInOptions
{
    public const string Section = "Pipeline:Security:SignIn";

    [Range(1, 1000)]
    public int PermitLimit { get; set; } = 30;

    [Range(1, 3600)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>The sliding lifetime: a session unused this long ends (the cookie's expiry, renewed as it is used).</summary>
    [Range(1, 24 * 30)]
    public int SessionHours { get; set; } = 8;

    /// <summary>The absolute lifetime cap: a session ends this long after sign-in however often it is used (fractions allowed).</summary>
    [Range(0.0001, 24 * 30)]
    public double AbsoluteSessionHours { get; set; } = 24;

    /// <summary>
    /// How long one instance trusts an "active" answer from the session store before asking again (per session id; a
    /// revocation by this instance takes effect at once, one by another instance within this time). 0 asks on every request.
    /// </summary>
    [Range(0, 60)]
    public double SessionCheckSeconds { get; set; } = 5;

    /// <summary>How often an open dashboard tab (its Blazor circuit) checks that its session is still active.</summary>
    [Range(0.1, 3600)]
    public double CircuitRevalidationSeconds { get; set; } = 10;

    public TimeSpan AbsoluteSessionLifetime => TimeSpan.FromHours(AbsoluteSessionHours);
    public TimeSpan SessionCheckCacheTime => TimeSpan.FromSeconds(SessionCheckSeconds);
    public TimeSpan CircuitRevalidationInterval => TimeSpan.FromSeconds(CircuitRevalidationSeconds);
}
