using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Tests.Adapters.Local;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Operations;

/// <summary>
/// The app's data-protection composition (<see cref="DataProtectionRegistration"/>) on the embedded store: keys in
/// <c>&lt;DataDirectory&gt;/keys</c>, readable by the user only; with <c>Pipeline:Security:DataProtection:CertificatePath</c>
/// each key is stored encrypted with the certificate and read back by another instance that has it; an unreadable
/// certificate is refused by the start-up validation, naming the key.
/// </summary>
public sealed class DataProtectionCertificateTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string DataDirectory => Path.Combine(_folder.Path, "data");

    private string KeysDirectory => Path.Combine(DataDirectory, DataProtectionRegistration.KeysFolder);

    private ServiceProvider Instance(string? certificatePath = null, string? password = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = DataDirectory,
            [$"{DataProtectionKeyOptions.Section}:CertificatePath"] = certificatePath,
            [$"{DataProtectionKeyOptions.Section}:CertificatePassword"] = password,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<PipelineOptions>(configuration.GetSection(PipelineOptions.Section));
        services.AddPipelineDataProtection(configuration);
        return services.BuildServiceProvider();
    }

    private string CertificateFile(string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=pipeline-data-protection-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_folder.Path, "keys.pfx");
        Directory.CreateDirectory(_folder.Path);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }

    private static string Protect(ServiceProvider instance, string text) =>
        instance.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect(text);

    private static string Unprotect(ServiceProvider instance, string payload) =>
        instance.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(payload);

    [Fact]
    public void Keys_are_kept_in_the_data_directory_readable_by_the_user_only()
    {
        using var one = Instance();
        var payload = Protect(one, "signed in");
        using var another = Instance();

        Assert.Equal("signed in", Unprotect(another, payload));
        Assert.Single(Directory.GetFiles(KeysDirectory, "key-*.xml"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(KeysDirectory));
    }

    [Fact]
    public void With_a_certificate_the_stored_key_is_encrypted_and_another_instance_with_it_reads_it()
    {
        var certificate = CertificateFile("pfx-password");
        using var one = Instance(certificate, "pfx-password");
        var payload = Protect(one, "signed in");

        var stored = File.ReadAllText(Assert.Single(Directory.GetFiles(KeysDirectory, "key-*.xml")));
        Assert.Contains("EncryptedData", stored);
        Assert.DoesNotContain("<value>", stored); // the plain master key's element
        using var another = Instance(certificate, "pfx-password");
        Assert.Equal("signed in", Unprotect(another, payload));
    }

    [Fact]
    public void An_unreadable_certificate_is_refused_at_start_naming_the_key()
    {
        var certificate = CertificateFile("pfx-password");
        using var wrongPassword = Instance(certificate, "not-the-password");
        using var missing = Instance(Path.Combine(_folder.Path, "missing.pfx"));

        foreach (var instance in new[] { wrongPassword, missing })
        {
            var failure = Assert.Throws<OptionsValidationException>(() => instance.GetRequiredService<IOptions<DataProtectionKeyOptions>>().Value);
            Assert.Contains($"{DataProtectionKeyOptions.Section}:CertificatePath", failure.Message);
        }
    }
}
