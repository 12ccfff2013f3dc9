namespace Pipeline.Web.Security;

/// <summary>
/// Makes every redirect to this site path-only: an absolute <c>Location</c> whose authority is the request's own
/// <c>Host</c> (the framework builds them from it, e.g. the cookie's sign-in redirect) loses its scheme and host, so a
/// forged <c>Host: evil.example</c> is never echoed back. Redirects elsewhere (a sign-on provider) are left alone.
/// </summary>
public sealed class RelativeRedirects(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Rewritten when the response starts: whichever handler set the header, after whatever it did.
        context.Response.OnStarting(() =>
        {
            var location = context.Response.Headers.Location.ToString();
            if (PathOnly(location, context.Request.Host) is { } path) context.Response.Headers.Location = path;
            return Task.CompletedTask;
        });
        return next(context);
    }

    /// <summary>
    /// The path, query and fragment of <paramref name="location"/> (as written, not re-encoded) when it is an absolute
    /// http(s) address of <paramref name="host"/>; else null.
    /// </summary>
    public static string? PathOnly(string location, HostString host)
    {
        if (!host.HasValue || !Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return null;
        var authorityStart = location.IndexOf("://", StringComparison.Ordinal) + 3;
        var authorityEnd = location.IndexOfAny(['/', '?', '#', '\\'], authorityStart);
        if (authorityEnd < 0) authorityEnd = location.Length;
        var authority = location[authorityStart..authorityEnd];
        var defaultPort = uri.Scheme == "https" ? ":443" : ":80";
        if (!string.Equals(authority, host.Value, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(authority, host.Value + defaultPort, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(authority + defaultPort, host.Value, StringComparison.OrdinalIgnoreCase))
            return null;
        var rest = location[authorityEnd..];
        // Path-only, and never "//…" or "/\…", which a browser would read as another host.
        return "/" + rest.TrimStart('/', '\\');
    }
}
