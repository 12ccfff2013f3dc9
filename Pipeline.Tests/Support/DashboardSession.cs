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

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
