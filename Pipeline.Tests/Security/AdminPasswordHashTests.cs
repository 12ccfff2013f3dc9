using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Security;

/// <summary>The admin password hash: ASP.NET Core Identity's v3 format, so hashes from other tools (docs/reliability.md) work.</summary>
public sealed class AdminPasswordHashTests
{
    [Fact]
    public void A_created_hash_verifies_its_password_only()
    {
        var hash = AdminPasswordHash.Create("s3cret-password");

        Assert.True(AdminPasswordHash.IsWellFormed(hash));
        Assert.True(AdminPasswordHash.Verify(hash, "s3cret-password"));
        Assert.False(AdminPasswordHash.Verify(hash, "s3cret-passwor"));
        Assert.False(AdminPasswordHash.Verify(hash, ""));
        Assert.NotEqual(hash, AdminPasswordHash.Create("s3cret-password")); // salted
    }

    /// <summary>0x01 | PRF (2 = HMAC-SHA512) | iterations | salt length (big-endian uint32s) | salt | 32-byte subkey, base64.</summary>
    private static string HandMade(string password, int iterations, byte version = 0x01, int subkeyBytes = 32)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var subkey = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, subkeyBytes);
        var bytes = new byte[13 + salt.Length + subkey.Length];
        bytes[0] = version;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), 2);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), (uint)iterations);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(9), (uint)salt.Length);
        salt.CopyTo(bytes, 13);
        subkey.CopyTo(bytes, 13 + salt.Length);
        return Convert.ToBase64String(bytes);
    }

    [Fact]
    public void A_hash_built_by_the_documented_recipe_is_accepted()
    {
        var hash = HandMade("correct horse battery staple", 20_000);

        Assert.True(AdminPasswordHash.IsWellFormed(hash));
        Assert.True(AdminPasswordHash.Verify(hash, "correct horse battery staple"));
    }

    [Fact]
    public void The_python_recipe_in_the_docs_produced_a_hash_that_verifies()
    {
        // Printed by the docs' python3 snippet for "correct horse battery staple" (600,000 iterations).
        const string hash = "AQAAAAIACSfAAAAAEFFWC4vpfWGpjiuy5sF4xWajl2cIxwMXj1OHIBshltqRtNh1qJGSqyQse4CosvI6dA==";

        Assert.True(AdminPasswordHash.IsWellFormed(hash));
        Assert.True(AdminPasswordHash.Verify(hash, "correct horse battery staple"));
    }

    [Theory]
    [InlineData(1_000, 0x01, 32)]   // too few iterations
    [InlineData(20_000, 0x00, 32)]  // v2 marker
    [InlineData(20_000, 0x01, 8)]   // subkey too short
    public void Weak_or_foreign_hashes_are_not_well_formed(int iterations, byte version, int subkeyBytes) =>
        Assert.False(AdminPasswordHash.IsWellFormed(HandMade("x", iterations, version, subkeyBytes)));

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("c2hvcnQ=")]
    public void Garbage_is_not_well_formed(string hash) => Assert.False(AdminPasswordHash.IsWellFormed(hash));
}
