using System.Net;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Support;

/// <summary>Signs an HTTP client in to the dashboard the way a browser does: sign-in page, antiforgery token, form post.</summary>
public static partial class DashboardSession
{
    /// <summary>Reads the sign-in page's antiforgery token (the client must keep cookies).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page = "/account/sign-in")
    {
        var html = await client.GetStringAsync(page);
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"{page} has no antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Posts the sign-in form; the client must keep cookies and not follow redirects.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string userName, string password, string? token = null,
        string returnUrl = "/")
    {
        token ??= await AntiforgeryTokenAsync(client);
        return await client.PostAsync("/account/sign-in/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["UserName"] = userName,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        }));
    }

    public static async Task SignInAsync(HttpClient client)
    {
        using var response = await PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/",
            $"sign-in should redirect to /, got {(int)response.StatusCode} {response.Headers.Location}");
    }

    /// <summary>Signs in to the app at <paramref name="baseAddress"/> with a client of its own, keeping the cookies in <paramref name="cookies"/>.</summary>
    public static async Task SignInAsync(Uri baseAddress, CookieContainer cookies)
    {
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress };
        await SignInAsync(client);
    }

    /// <summary>A browser's GET of <paramref name="path"/> with these cookies (redirects not followed): 200 signed in, 302 to sign-in otherwise.</summary>
    public static async Task<HttpStatusCode> PageStatusAsync(Uri baseAddress, CookieContainer cookies, string path = "/")
    {
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>The cookies issued by the host at <paramref name="from"/> as the browser would send them to <paramref name="to"/> (another port, the same name).</summary>
    public static CookieContainer CarriedTo(this CookieContainer cookies, Uri from, Uri to)
    {
        var carried = new CookieContainer();
        foreach (Cookie cookie in cookies.GetCookies(from)) carried.Add(to, new Cookie(cookie.Name, cookie.Value));
        return carried;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
