namespace Pipeline.Core.Sources;

/// <summary>Category and status names to URL-safe slugs: "men's clothing" → "mens-clothing", "In Stock" → "in-stock".</summary>
public static class Slug
{
    public static string From(string value)
    {
        Span<char> buffer = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
        var length = 0;
        var pendingDash = false;
        foreach (var raw in value)
        {
            if (raw is '\'' or '’') continue;
            var ch = char.ToLowerInvariant(raw);
            if (char.IsAsciiLetterOrDigit(ch))
            {
                if (pendingDash && length > 0) buffer[length++] = '-';
                pendingDash = false;
                buffer[length++] = ch;
            }
            else pendingDash = true;
        }
        return new string(buffer[..length]);
    }
}
