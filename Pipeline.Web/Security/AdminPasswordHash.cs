using System.Buffers.Binary;
using Microsoft.AspNetCore.Identity;

namespace Pipeline.Web.Security;

/// <summary>
/// The password hash format: ASP.NET Core Identity's PasswordHasher v3 (PBKDF2 with HMAC-SHA256/512, a random salt,
/// the iteration count stored in the hash), so hashes made by Identity tools or <see cref="Create"/> both work.
/// </summary>
public static class AdminPasswordHash
{
    private static readonly PasswordHasher<AdminUser> Hasher = new();
    private static readonly AdminUser User = new();

    public static string Create(string password) => Hasher.HashPassword(User, password);

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(User, hash, password) is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded;

    /// <summary>True for a v3 hash with a known PRF, at least 10,000 iterations, a 128-bit salt and a 128-bit subkey.</summary>
    public static bool IsWellFormed(string? hash)
    {
        if (string.IsNullOrWhiteSpace(hash) || hash.Length > 1024) return false;
        var bytes = new byte[hash.Length];
        if (!Convert.TryFromBase64String(hash.Trim(), bytes, out var length)) return false;
        var data = bytes.AsSpan(0, length);
        if (data.Length < 13 || data[0] != 0x01) return false;
        var prf = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(data[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(data[9..]);
        return prf <= 2 && iterations >= 10_000 && saltLength is >= 16 and <= 1024 && data.Length - 13 - (int)saltLength >= 16;
    }

    /// <summary>The hasher's user type; the v3 format does not use it.</summary>
    private sealed class AdminUser;
}
