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
