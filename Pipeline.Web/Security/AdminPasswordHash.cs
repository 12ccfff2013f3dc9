using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Cryptography.KeyDerivation;
using Microsoft.AspNetCore.Identity;

namespace Pipeline.Web.Security;

/// <summary>
/// The password hash format: ASP.NET Core Identity's PasswordHasher v3 (PBKDF2 with HMAC-SHA256/512, a random salt,
/// the iteration count stored in the hash), so hashes made by Identity tools or <see cref="Create"/> both work.
/// Layout: 0x01 | PRF | iterations | salt length (big-endian uint32s) | salt | subkey, base64.
/// </summary>
public static class AdminPasswordHash
{
    private const int HeaderLength = 13;
    private static readonly PasswordHasher<AdminUser> Hasher = new();
    private static readonly AdminUser User = new();

    public static string Create(string password) => Hasher.HashPassword(User, password);

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(User, hash, password) is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded;

    /// <summary>True for a v3 hash with a known PRF, at least 10,000 iterations, a 128-bit salt and a 128-bit subkey.</summary>
    public static bool IsWellFormed(string? hash) =>
        TryReadParameters(hash, out var p) && p.Iterations >= 10_000 && p.SaltLength is >= 16 and <= 1024 && p.SubkeyLength >= 16;

    /// <summary>Reads a v3 hash's header (false for anything else: not base64, another version, an unknown PRF, a short body).</summary>
    public static bool TryReadParameters(string? hash, out PasswordHashParameters parameters)
    {
        parameters = default;
        if (string.IsNullOrWhiteSpace(hash) || hash.Length > 1024) return false;
        var bytes = new byte[hash.Length];
        if (!Convert.TryFromBase64String(hash.Trim(), bytes, out var length)) return false;
        var data = bytes.AsSpan(0, length);
        if (data.Length < HeaderLength || data[0] != 0x01) return false;
        var prf = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(data[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(data[9..]);
        if (prf > (uint)KeyDerivationPrf.HMACSHA512 || iterations > int.MaxValue || saltLength > (uint)(data.Length - HeaderLength)) return false;
        parameters = new PasswordHashParameters((KeyDerivationPrf)prf, (int)iterations, (int)saltLength, data.Length - HeaderLength - (int)saltLength);
        return true;
    }

    /// <summary>
    /// A hash no password matches (random salt and subkey) whose verification costs what verifying a hash with
    /// <paramref name="parameters"/> costs: same PRF, iterations and lengths. Sign-in checks a wrong user name against it.
    /// </summary>
    public static string CreateDecoy(PasswordHashParameters parameters) =>
        Encode(parameters, RandomNumberGenerator.GetBytes(parameters.SaltLength), RandomNumberGenerator.GetBytes(parameters.SubkeyLength));

    /// <summary>The hash of <paramref name="password"/> with the given PRF, iterations and lengths (the recipe in docs/reliability.md).</summary>
    public static string Create(string password, PasswordHashParameters parameters)
    {
        var salt = RandomNumberGenerator.GetBytes(parameters.SaltLength);
        var algorithm = parameters.Prf switch
        {
            KeyDerivationPrf.HMACSHA1 => HashAlgorithmName.SHA1,
            KeyDerivationPrf.HMACSHA256 => HashAlgorithmName.SHA256,
            _ => HashAlgorithmName.SHA512,
        };
        var subkey = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, parameters.Iterations, algorithm, parameters.SubkeyLength);
        return Encode(parameters, salt, subkey);
    }

    /// <summary>0x01 | PRF | iterations | salt length (big-endian) | salt | subkey, in base64.</summary>
    private static string Encode(PasswordHashParameters parameters, byte[] salt, byte[] subkey)
    {
        var bytes = new byte[HeaderLength + salt.Length + subkey.Length];
        bytes[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)parameters.Prf);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), (uint)parameters.Iterations);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(9), (uint)salt.Length);
        salt.CopyTo(bytes, HeaderLength);
        subkey.CopyTo(bytes, HeaderLength + salt.Length);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The hasher's user type; the v3 format does not use it.</summary>
    private sealed class AdminUser;
}
