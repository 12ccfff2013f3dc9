namespace Pipeline.Core.Domain;

public static class ProductId
{
    public static string Format(string source, string sourceId) => $"{source}:{sourceId}";

    public static bool TryParse(string? id, out string source, out string sourceId)
    {
        source = sourceId = "";
        if (string.IsNullOrEmpty(id)) return false;
        var colon = id.IndexOf(':');
        if (colon <= 0 || colon == id.Length - 1) return false;
        source = id[..colon];
        sourceId = id[(colon + 1)..];
        return true;
    }
}
