using System.Text;

namespace Pipeline.Core.Ports;

/// <summary>
/// A page token's wire form: base64url of what the store needs to resume (a keyset position). Opaque to callers; a
/// token the store did not write fails with <see cref="FormatException"/>, which the API answers with 400.
/// </summary>
public static class OpaqueToken
{
    public static string Encode(string position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(position)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Decode(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            return new UTF8Encoding(false, true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or DecoderFallbackException)
        {
            throw new FormatException("The page token is not valid.", ex);
        }
    }
}
