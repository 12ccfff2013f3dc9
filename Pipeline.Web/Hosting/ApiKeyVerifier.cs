using System.Security.Cryptography;
using Pipeline.Core.Security;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Hosting;

/// <summary>
/// Checks <c>X-Api-Key</c> in constant time against the SHA-256 of each accepted key. In Development with no key
/// configured, one is generated on first start, printed once, and only its hash is kept (in the data directory).
/// </summary>
public sealed class ApiKeyVerifier
{
    public const string HeaderName = "X-Api-Key";
    private readonly ApiKeyHashes _hashes;

    public ApiKeyVerifier(IOptions<SecurityOptions> options, IOptions<Core.Configuration.PipelineOptions> pipeline,
        IHostEnvironment environment, ILogger<ApiKeyVerifier> logger)
    {
        _hashes = new ApiKeyHashes(options.Value.AllKeys);
        if (_hashes.Count > 0) return;
        if (!environment.IsDevelopment())
            throw new OptionsValidationException(SecurityOptions.Section, typeof(SecurityOptions),
                ["Pipeline:Security:ApiKeys (or Pipeline:Security:ApiKey) must be set outside Development."]);
        var file = Path.Combine(pipeline.Value.DataDirectory, "api-key.sha256");
        if (File.Exists(file))
        {
            _hashes.AddHash(Convert.FromHexString(File.ReadAllText(file).Trim()));
            logger.LogInformation("REST API key: using the development key generated earlier (its hash is in {File})", file);
            return;
        }
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        File.WriteAllText(file, Convert.ToHexStringLower(ApiKeyHashes.Hash(key)));
        _hashes.AddHash(ApiKeyHashes.Hash(key));
        // Printed once, on purpose: the operator needs it, and only its hash is stored.
        Console.WriteLine($"Pipeline development API key (shown once; header {HeaderName}): {key}");
    }

    public bool IsValid(string? presented) => _hashes.Matches(presented);

    /// <summary>A valid key in <c>X-Api-Key</c>, or (without that header) in <c>Authorization: Bearer</c>.</summary>
    public bool Admits(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var presented = request.Headers[HeaderName].ToString();
        if (presented.Length > 0) return IsValid(presented);
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && IsValid(authorization[bearer.Length..].Trim());
    }
}
