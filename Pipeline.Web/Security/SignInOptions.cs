using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Security;

/// <summary><c>Pipeline:Security:SignIn</c>: session length and the sign-in rate limit (per client address).</summary>
public sealed class SignInOptions
{
    public const string Section = "Pipeline:Security:SignIn";

    [Range(1, 1000)]
    public int PermitLimit { get; set; } = 10;

    [Range(1, 3600)]
    public int WindowSeconds { get; set; } = 60;

    [Range(1, 24 * 30)]
    public int SessionHours { get; set; } = 8;
}
