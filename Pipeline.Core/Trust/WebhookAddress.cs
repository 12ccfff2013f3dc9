namespace Pipeline.Core.Trust;

/// <summary>
/// A webhook's URL as the dashboard, the API and the logs show it: scheme, host, port and the path's short segments.
/// User info, the query and any path segment of 12 characters or more become "…", as they may carry credentials (a
/// receiver's <c>?token=</c>, the secret at the end of a Slack or Discord webhook's path).
/// </summary>
public static class WebhookAddress
{
    private const int LongestShownSegment = 11;

    public static string Display(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return url.Length > 24 ? url[..24] + "…" : url;
        var user = uri.UserInfo.Length > 0 ? "…@" : "";
        var query = uri.Query.Length > 1 ? "?…" : "";
        var path = string.Join('/', uri.AbsolutePath.Split('/').Select(s => s.Length > LongestShownSegment ? "…" : s));
        return $"{uri.Scheme}://{user}{uri.Authority}{path}{query}";
    }
}
