using System.Globalization;
using System.Text;
using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>An opaque keyset-paging token: base64url of "sort|direction|key|id".</summary>
internal sealed record PageToken(ProductSort Sort, string Key, string Id, bool Backward)
{
    public string Encode() =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{(int)Sort}|{(Backward ? 'b' : 'f')}|{Key}\u001f{Id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Null for no token; throws <see cref="FormatException"/> for a token that is not ours or of another sort.</summary>
    public static PageToken? Decode(string? token, ProductSort sort)
    {
        if (string.IsNullOrEmpty(token)) return null;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var parts = text.Split('|', 3);
            var keyAndId = parts[2].Split('\u001f');
            if (parts.Length != 3 || keyAndId.Length != 2 || parts[0] != ((int)sort).ToString(CultureInfo.InvariantCulture) || parts[1] is not ("f" or "b"))
                throw new FormatException("The page token does not belong to this query.");
            return new PageToken(sort, keyAndId[0], keyAndId[1], parts[1] == "b");
        }
        catch (Exception ex) when (ex is not FormatException)
        {
            throw new FormatException("The page token is not valid.", ex);
        }
    }
}
