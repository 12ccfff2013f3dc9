using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Core.Security;

/// <summary>
/// The accepted API keys, kept only as SHA-256 hashes and compared in constant time. Shared by the Web API's
/// <c>X-Api-Key</c> check and the trigger Lambda's.
/// </summary>
public sealed class ApiKeyHashes
{
    public const int MaxKeyLength = 512;
    private readonly List<byte[]> _hashes;

    public ApiKeyHashes(IEnumerable<string?> keys) =>
        _hashes = keys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => Hash(k!)).ToList();

    public int Count => _hashes.Count;

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Accepts a key known only by its hash (e.g. a generated development key).</summary>
    public void AddHash(byte[] hash) => _hashes.Add(hash);

    public bool Matches(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > MaxKeyLength) return false;
        var hash = Hash(presented);
        var ok = false;
        foreach (var expected in _hashes) ok |= CryptographicOperations.FixedTimeEquals(hash, expected);
        return ok;
    }
}
