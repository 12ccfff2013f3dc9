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
/// name is fixed (<c>Pipeline:Security:DataProtection:ApplicationName</c>, default <c>Pipeline</c>), so instances on
/// the same keys accept each other's cookies whatever their install path. With
/// <c>Pipeline:Security:DataProtection:CertificatePath</c> (a PKCS#12 file; <c>CertificatePassword</c>) the keys are
/// also encrypted with that certificate before they are stored.
/// </summary>
public static class DataProtectionRegistration
{
    public const string Section = "Pipeline:Security:DataProtection";
    public const string KeysFolder = "keys";

    public static IServiceCollection AddPipelineDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section);
        var protection = services.AddDataProtection()
            .SetApplicationName(string.IsNullOrWhiteSpace(settings["ApplicationName"]) ? "Pipeline" : settings["ApplicationName"]!);
        if (settings["CertificatePath"] is { Length: > 0 } certificate)
            protection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(certificate, settings["CertificatePassword"]));

        if (PipelineOptions.From(configuration).Store.Provider == "DynamoDb")
            services.AddOptions<KeyManagementOptions>()
                .Configure<IServiceProvider>((o, sp) => o.XmlRepository = sp.GetRequiredService<DynamoDbRunStore>());
        else
            services.AddOptions<KeyManagementOptions>()
                .Configure<IOptions<PipelineOptions>, ILoggerFactory>((o, pipeline, logs) =>
                    o.XmlRepository = new FileSystemXmlRepository(KeysDirectory(pipeline.Value.DataDirectory), logs));
        return services;
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
