namespace Pipeline.Core.Domain;

/// <summary>S3-style keys of the raw zone: raw/source=…/dt=YYYY-MM-DD/run=…/page-NNNNNN.json</summary>
public static class RawKeys
{
    public const string Root = "raw/";

    public static string Page(string source, DateOnly date, string runId, int page) =>
        $"raw/source={source}/dt={date:yyyy-MM-dd}/run={runId}/page-{page:D6}.json";

    public static string RunPrefix(string source, DateOnly date, string runId) =>
        $"raw/source={source}/dt={date:yyyy-MM-dd}/run={runId}/";

    /// <summary>Parses a page key; false for anything that is not one (so stray objects are ignored, not crashed on).</summary>
    public static bool TryParse(string key, out string source, out DateOnly date, out string runId, out int page)
    {
        source = runId = "";
        date = default;
        page = 0;
        var parts = key.Split('/');
        if (parts.Length != 5 || parts[0] != "raw") return false;
        if (!parts[1].StartsWith("source=", StringComparison.Ordinal)
            || !parts[2].StartsWith("dt=", StringComparison.Ordinal)
            || !parts[3].StartsWith("run=", StringComparison.Ordinal)
            || !parts[4].StartsWith("page-", StringComparison.Ordinal)
            || !parts[4].EndsWith(".json", StringComparison.Ordinal)) return false;
        source = parts[1]["source=".Length..];
        runId = parts[3]["run=".Length..];
        if (source.Length == 0 || runId.Length == 0) return false;
        if (!DateOnly.TryParseExact(parts[2]["dt=".Length..], "yyyy-MM-dd", out date)) return false;
        return int.TryParse(parts[4].AsSpan("page-".Length, parts[4].Length - "page-".Length - ".json".Length), out page) && page >= 0;
    }

    /// <summary>True when the key is safe to use as a relative path: no traversal, no rooted or odd segments.</summary>
    public static bool IsSafe(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 1024) return false;
        if (key.StartsWith('/') || key.Contains('\\') || key.Contains('\0')) return false;
        foreach (var segment in key.Split('/'))
        {
            if (segment is "" or "." or "..") return false;
            foreach (var ch in segment)
                if (char.IsControl(ch)) return false;
        }
        return true;
    }
}
