using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Core.Configuration;

namespace Pipeline.Web.Security;

/// <summary>
/// Where the data-protection keys (which encrypt the sign-in cookie and the antiforgery tokens) live: with the data, not
/// in the user profile (<c>~/.aspnet</c>), so a session survives a move, another user or HOME, and a restart. On the
/// embedded store in <c>&lt;Pipeline:DataDirectory&gt;/keys</c> (a directory only the process's user may read); on the
/// DynamoDB store in the runs table (<see cref="DynamoDbRunStore"/>), shared by every instance on it. The application
/// name is fixed (<see cref="DataProtectionKeyOptions.ApplicationName"/>), so instances on the same keys accept each
/// other's cookies whatever their install path. With <see cref="DataProtectionKeyOptions.CertificatePath"/> the keys are
/// also encrypted with that certificate before they are stored (a missing or unreadable file stops the start, naming the key).
/// </summary>
public static class DataProtectionRegistration
{
    public const string KeysFolder = "keys";

    public static IServiceCollection AddPipelineDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(DataProtectionKeyOptions.Section).Get<DataProtectionKeyOptions>() ?? new DataProtectionKeyOptions();
        services.AddOptions<DataProtectionKeyOptions>().Bind(configuration.GetSection(DataProtectionKeyOptions.Section))
            .Validate(o => string.IsNullOrWhiteSpace(o.CertificatePath) || LoadCertificate(o) is not null,
                $"{DataProtectionKeyOptions.Section}:CertificatePath must name a readable PKCS#12 file with a private key (and CertificatePassword its password).")
            .ValidateOnStart();
        var protection = services.AddDataProtection()
            .SetApplicationName(string.IsNullOrWhiteSpace(settings.ApplicationName) ? "Pipeline" : settings.ApplicationName);
        // An unreadable certificate is left to the validation above, which stops the start with one line.
        if (!string.IsNullOrWhiteSpace(settings.CertificatePath) && LoadCertificate(settings) is { } certificate)
            protection.ProtectKeysWithCertificate(certificate);

        if (PipelineOptions.From(configuration).Store.Provider == "DynamoDb")
            services.AddOptions<KeyManagementOptions>()
                .Configure<IServiceProvider>((o, sp) => o.XmlRepository = sp.GetRequiredService<DynamoDbRunStore>());
        else
            services.AddOptions<KeyManagementOptions>()
                .Configure<IOptions<PipelineOptions>, ILoggerFactory>((o, pipeline, logs) =>
                    o.XmlRepository = new FileSystemXmlRepository(KeysDirectory(pipeline.Value.DataDirectory), logs));

        return services;
    }

    /// <summary>The certificate with its private key, or null when the file cannot be read as one.</summary>
    private static X509Certificate2? LoadCertificate(DataProtectionKeyOptions options)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath!, options.CertificatePassword);
            return certificate.HasPrivateKey ? certificate : null;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary><c>&lt;DataDirectory&gt;/keys</c>, created readable by the process's user only (on Unix; ACLs on Windows are the profile's).</summary>
    private static DirectoryInfo KeysDirectory(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, KeysFolder);
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
