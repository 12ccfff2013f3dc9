using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// OpenID Connect single sign-on against a provider on loopback: the authorization-code flow with PKCE from the sign-in
/// page's button to a dashboard session, and a callback that was not started here is turned away.
/// </summary>
public sealed class SingleSignOnTests : IAsyncLifetime
{
    private FakeOpenIdProvider _provider = null!;
    private PipelineAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenIdProvider.StartAsync();
        _app = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:Oidc:Authority"] = _provider.Issuer.ToString().TrimEnd('/'),
            ["Pipeline:Security:Oidc:ClientId"] = FakeOpenIdProvider.ClientId,
            ["Pipeline:Security:Oidc:RequireHttpsMetadata"] = "false",
            ["Pipeline:Security:Oidc:DisplayName"] = "Sign in with Example SSO",
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _provider.DisposeAsync();
    }

    /// <summary>The browser: HTTPS to the dashboard (the handler's cookies are Secure), cookies carried by hand.</summary>
    private HttpClient Browser() => _app.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false,
    });

    private static string Cookies(HttpResponseMessage response) => string.Join("; ",
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    [Fact]
    public async Task The_sign_in_page_offers_single_sign_on_and_allows_the_provider_as_a_form_target()
    {
        using var client = Browser();

        using var page = await client.GetAsync("/account/sign-in?ReturnUrl=%2Fruns");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Contains("id=\"sign-in-sso\"", html);
        Assert.Contains("href=\"/account/sso?returnUrl=%2Fruns\"", html);
        Assert.Contains("Sign in with Example SSO", html);
        Assert.Contains($"form-action 'self' {_provider.Issuer.GetLeftPart(UriPartial.Authority)};",
            page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task The_code_flow_with_pkce_ends_in_a_dashboard_session_at_the_return_url()
    {
        using var client = Browser();

        using var challenge = await client.GetAsync("/account/sso?returnUrl=%2Fruns");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(_provider.Issuer + "authorize?", authorize.ToString());
        var query = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal(FakeOpenIdProvider.ClientId, query["client_id"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("https://localhost/signin-oidc", query["redirect_uri"]);
        Assert.Contains("openid", query["scope"].ToString().Split(' '));

        // The provider's login page approves; its page posts the code back to the dashboard (response_mode=form_post).
        var code = _provider.Authorize(query["nonce"]!, query["code_challenge"]!, "Ada Lovelace");
        using var callback = new HttpRequestMessage(HttpMethod.Post, "/signin-oidc")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = code, ["state"] = query["state"]! }),
        };
        callback.Headers.Add("Cookie", Cookies(challenge));
        using var signedIn = await client.SendAsync(callback);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/runs", signedIn.Headers.Location!.OriginalString);
        Assert.Equal(1, _provider.TokenRequests);
        var session = Cookies(signedIn).Split("; ").Where(c => c.StartsWith("pipeline.auth", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(session);
        using var runs = new HttpRequestMessage(HttpMethod.Get, "/runs");
        runs.Headers.Add("Cookie", string.Join("; ", session));
        runs.Headers.Accept.ParseAdd("text/html");
        using var page = await client.SendAsync(runs);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task A_callback_not_started_by_this_browser_goes_back_to_the_sign_in_page_without_a_session()
    {
        using var client = Browser();
        using var challenge = await client.GetAsync("/account/sso");
        var query = QueryHelpers.ParseQuery(challenge.Headers.Location!.Query);
        var code = _provider.Authorize(query["nonce"]!, query["code_challenge"]!, "Mallory");

        // The attacker's browser has the state, but not the correlation and nonce cookies of the browser that started it.
        using var forged = await client.PostAsync("/signin-oidc",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = code, ["state"] = query["state"]! }));

        Assert.Equal(HttpStatusCode.Redirect, forged.StatusCode);
        Assert.Equal("/account/sign-in?error=sso", forged.Headers.Location!.OriginalString);
        Assert.DoesNotContain("pipeline.auth", Cookies(forged));
        Assert.Equal(0, _provider.TokenRequests);
    }
}
