using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Core.Trust;

/// <summary>
/// <c>X-Pipeline-Signature: sha256=&lt;hex&gt;</c>: the HMAC-SHA256 of the raw body with the webhook's secret (GitHub's
/// convention). A receiver computes the same over the bytes it received and compares in constant time.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Pipeline-Signature";
    public const string Prefix = "sha256=";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>True when <paramref name="signature"/> is the body's signature with <paramref name="secret"/> (constant-time).</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(signature));
}
