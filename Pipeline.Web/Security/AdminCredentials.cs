using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;

namespace Pipeline.Web.Security;

/// <summary>
/// Checks the built-in admin's user name and password. The password hash comes from
/// <c>Pipeline:Security:Admin:PasswordHash</c>; in Development with none configured, a password is generated on first
/// start, printed once, and only its hash is kept (in the data directory), like the development API key.
/// </summary>
public sealed class AdminCredentials
{
    public const string GeneratedHashFile = "admin-password.hash";
    private readonly byte[] _userNameHash;
    private readonly string? _passwordHash;
    private readonly string _decoyHash;

    public AdminCredentials(IOptions<AdminAccountOptions> options, IOptions<PipelineOptions> pipeline, IHostEnvironment environment,
        ILogger<AdminCredentials> logger)
    {
        var admin = options.Value;
        UserName = admin.UserName;
        Enabled = admin.Enabled;
        _userNameHash = Hash(admin.UserName);
        _passwordHash = admin.Enabled ? LoadOrGenerate(admin, pipeline.Value, environment, logger) : null;
        // A wrong user name is checked against a decoy that costs what the real hash costs (same PRF, iterations and
        // lengths), so the answer's timing does not tell whether the name exists, whatever the configured cost.
        _decoyHash = AdminPasswordHash.TryReadParameters(_passwordHash, out var parameters)
            ? AdminPasswordHash.CreateDecoy(parameters)
            : AdminPasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
    }

    public string UserName { get; }

    public bool Enabled { get; }

    /// <summary>The PBKDF2 parameters of the configured (or generated) hash; null when the password sign-in is off.</summary>
    internal PasswordHashParameters? ConfiguredParameters =>
        AdminPasswordHash.TryReadParameters(_passwordHash, out var parameters) ? parameters : null;

    /// <summary>The PBKDF2 parameters of the decoy a wrong user name is checked against.</summary>
    internal PasswordHashParameters DecoyParameters =>
        AdminPasswordHash.TryReadParameters(_decoyHash, out var parameters) ? parameters : throw new InvalidOperationException("The decoy hash is malformed.");

    /// <summary>Constant-time in the user name; the password hash is always computed, even for a wrong name.</summary>
    public bool Verify(string? userName, string? password)
    {
        if (!Enabled || _passwordHash is null || userName is null || password is null || userName.Length > 128 || password.Length > 256)
            return false;
        var nameMatches = CryptographicOperations.FixedTimeEquals(Hash(userName), _userNameHash);
        var passwordMatches = AdminPasswordHash.Verify(nameMatches ? _passwordHash : _decoyHash, password);
        return nameMatches && passwordMatches;
    }

    private static string LoadOrGenerate(AdminAccountOptions admin, PipelineOptions pipeline, IHostEnvironment environment, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(admin.PasswordHash)) return admin.PasswordHash.Trim();
        if (!environment.IsDevelopment())
            throw new OptionsValidationException(AdminAccountOptions.Section, typeof(AdminAccountOptions),
                [$"{AdminAccountOptions.PasswordHashKey} must be set outside Development."]);

        var file = Path.Combine(pipeline.DataDirectory, GeneratedHashFile);
        if (File.Exists(file) && AdminPasswordHash.IsWellFormed(File.ReadAllText(file).Trim()))
        {
            logger.LogInformation("Dashboard sign-in: using the development admin password generated earlier (its hash is in {File})", file);
            return File.ReadAllText(file).Trim();
        }
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
        var hash = AdminPasswordHash.Create(password);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, hash);
        // Printed once, on purpose: the operator needs it, and only its hash is stored.
        Console.WriteLine($"Pipeline development dashboard sign-in (shown once): user '{admin.UserName}', password {password}");
        return hash;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
