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
    private readonly string _dummyHash;

    public AdminCredentials(IOptions<AdminAccountOptions> options, IOptions<PipelineOptions> pipeline, IHostEnvironment environment,
        ILogger<AdminCredentials> logger)
    {
        var admin = options.Value;
        UserName = admin.UserName;
        Enabled = admin.Enabled;
        _userNameHash = Hash(admin.UserName);
        _dummyHash = AdminPasswordHash.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        if (!admin.Enabled) return;
        if (!string.IsNullOrWhiteSpace(admin.PasswordHash))
        {
            _passwordHash = admin.PasswordHash.Trim();
            return;
        }
        if (!environment.IsDevelopment())
            throw new OptionsValidationException(AdminAccountOptions.Section, typeof(AdminAccountOptions),
                [$"{AdminAccountOptions.PasswordHashKey} must be set outside Development."]);

        var file = Path.Combine(pipeline.Value.DataDirectory, GeneratedHashFile);
        if (File.Exists(file) && AdminPasswordHash.IsWellFormed(File.ReadAllText(file).Trim()))
        {
            _passwordHash = File.ReadAllText(file).Trim();
            logger.LogInformation("Dashboard sign-in: using the development admin password generated earlier (its hash is in {File})", file);
            return;
        }
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
        _passwordHash = AdminPasswordHash.Create(password);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, _passwordHash);
        // Printed once, on purpose: the operator needs it, and only its hash is stored.
        Console.WriteLine($"Pipeline development dashboard sign-in (shown once): user '{admin.UserName}', password {password}");
    }

    public string UserName { get; }

    public bool Enabled { get; }

    /// <summary>Constant-time in the user name; the password hash is always computed, even for a wrong name.</summary>
    public bool Verify(string? userName, string? password)
    {
        if (!Enabled || _passwordHash is null || userName is null || password is null || userName.Length > 128 || password.Length > 256)
            return false;
        var nameMatches = CryptographicOperations.FixedTimeEquals(Hash(userName), _userNameHash);
        var passwordMatches = AdminPasswordHash.Verify(nameMatches ? _passwordHash : _dummyHash, password);
        return nameMatches && passwordMatches;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
