namespace Pipeline.Web.Components.Shared;

/// <summary>
/// A webhook's URL as the dashboard shows it: scheme, host, port and path. User info and the query are replaced by "…",
/// as they may carry credentials (a receiver's token in <c>?token=</c>).
/// </summary>
public static class WebhookAddress
{
    public static string Display(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return url;
        var user = uri.UserInfo.Length > 0 ? "…@" : "";
        var query = uri.Query.Length > 1 ? "?…" : "";
        return $"{uri.Scheme}://{user}{uri.Authority}{uri.AbsolutePath}{query}";
    }
}
