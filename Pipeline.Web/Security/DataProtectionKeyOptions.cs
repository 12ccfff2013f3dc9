namespace Pipeline.Web.Security;

/// <summary><c>Pipeline:Security:DataProtection</c>: the data-protection keys' application name and optional certificate (README, "Operating").</summary>
public sealed class DataProtectionKeyOptions
{
    public const string Section = "Pipeline:Security:DataProtection";

    /// <summary>The same on every instance that must accept the others' cookies (blank: <c>Pipeline</c>); changing it signs everyone out.</summary>
    public string ApplicationName { get; set; } = "Pipeline";

    /// <summary>A PKCS#12 file whose certificate encrypts each key before it is stored; none by default.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}
