using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Security;

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
