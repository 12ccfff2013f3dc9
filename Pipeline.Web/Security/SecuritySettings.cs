using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Security;

/// <summary><c>Pipeline:Security:Admin</c>: the built-in dashboard account.</summary>
public sealed class AdminAccountOptions
{
    public const string Section = "Pipeline:Security:Admin";
    public const string PasswordHashKey = Section + ":PasswordHash";

    /// <summary>False turns the password sign-in off (single sign-on only).</summary>
    public bool Enabled { get; set; } = true;

    [Required, StringLength(128, MinimumLength = 1)]
    public string UserName { get; set; } = "admin";

    /// <summary>
    /// The password's hash in ASP.NET Core Identity's PasswordHasher v3 format (base64; PBKDF2). Required outside
    /// Development; in Development a password is generated on first start when none is configured.
    /// </summary>
    public string? PasswordHash { get; set; }
}

/// <summary><c>Pipeline:Security:Oidc</c>: optional OpenID Connect single sign-on, on when <see cref="Authority"/> is set.</summary>
public sealed class OidcOptions
{
    public const string Section = "Pipeline:Security:Oidc";
    public const string Scheme = "oidc";

    /// <summary>The identity provider's issuer URL (its <c>/.well-known/openid-configuration</c> is read).</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Empty for a public client (PKCE alone).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes besides <c>openid</c> and <c>profile</c>, space-separated.</summary>
    public string? Scopes { get; set; }

    /// <summary>Only turn off for a local test provider on plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Text of the sign-in page's single sign-on button.</summary>
    [StringLength(64)]
    public string DisplayName { get; set; } = "Single sign-on";

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

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

/// <summary><c>Pipeline:Security:Limits</c>: request body sizes.</summary>
public sealed class RequestLimitOptions
{
    public const string Section = "Pipeline:Security:Limits";

    /// <summary>Kestrel's limit for any request body.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Limit for <c>/api</c> request bodies.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int ApiMaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Limit for the sign-in and sign-out forms.</summary>
    [Range(256, 1024 * 1024)]
    public int FormMaxBodyBytes { get; set; } = 16 * 1024;
}
