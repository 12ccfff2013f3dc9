using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>The dashboard's sign-in: who gets in, with what cookie, and what the forms insist on.</summary>
public sealed class DashboardSignInTests : IClassFixture<DashboardSignInTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public PipelineAppFactory Factory { get; private set; } = null!;

        public Task InitializeAsync()
        {
            // Many sign-ins from one (test) address: the rate limit has its own test.
            Factory = new PipelineAppFactory(settings: new Dictionary<string, string?> { ["Pipeline:Security:SignIn:PermitLimit"] = "1000" });
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly PipelineAppFactory _factory;

    public DashboardSignInTests(App app) => _factory = app.Factory;

    private HttpClient Browser()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        return client;
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/runs")]
    [InlineData("/runs/20200101T000000Z-00000000")]
    public async Task Pages_send_anonymous_browsers_to_the_sign_in_page(string path)
    {
        using var client = Browser();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/sign-in?ReturnUrl=", location); // path-only: never the request's Host
        Assert.EndsWith(Uri.EscapeDataString(path), location);
    }

    [Fact]
    public async Task Scripts_and_the_Blazor_hub_get_401_without_a_session()
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var page = await client.GetAsync("/");
        using var negotiate = await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
    }

    [Fact]
    public async Task Sign_in_page_is_open_and_carries_an_antiforgery_token()
    {
        using var client = Browser();

        using var response = await client.GetAsync("/account/sign-in");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("name=\"__RequestVerificationToken\"", html);
        Assert.Contains("action=\"/account/sign-in/password\"", html);
        Assert.DoesNotContain("sign-in-sso", html); // no single sign-on configured
    }

    [Fact]
    public async Task The_right_password_gives_an_http_only_lax_session_cookie_that_opens_the_dashboard()
    {
        using var client = Browser();

        using var signIn = await DashboardSession.PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword,
            returnUrl: "/runs");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/runs", signIn.Headers.Location!.OriginalString);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("pipeline.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        using var page = await client.GetAsync("/runs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("blazor.web.js", await page.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("admin", "wrong-password")]
    [InlineData("root", PipelineAppFactory.AdminPassword)]
    [InlineData("", "")]
    public async Task Wrong_credentials_return_to_the_sign_in_page_without_a_session(string userName, string password)
    {
        using var client = Browser();

        using var signIn = await DashboardSession.PostSignInAsync(client, userName, password, returnUrl: "/runs");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/account/sign-in?error=credentials&ReturnUrl=%2Fruns", signIn.Headers.Location!.OriginalString);
        Assert.DoesNotContain(signIn.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("pipeline.auth=", StringComparison.Ordinal));
        using var page = await client.GetAsync("/runs");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var errorPage = await client.GetStringAsync(signIn.Headers.Location.OriginalString);
        Assert.Contains("id=\"sign-in-error\"", errorPage);
    }

    [Fact]
    public async Task Sign_in_without_the_antiforgery_token_is_rejected()
    {
        using var client = Browser();

        using var response = await client.PostAsync("/account/sign-in/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = PipelineAppFactory.AdminUserName, ["Password"] = PipelineAppFactory.AdminPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("pipeline.auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_token_from_another_browser_is_rejected()
    {
        using var attacker = Browser();
        var foreignToken = await DashboardSession.AntiforgeryTokenAsync(attacker);
        using var victim = Browser();
        await DashboardSession.AntiforgeryTokenAsync(victim); // the victim has its own antiforgery cookie

        using var response = await DashboardSession.PostSignInAsync(victim, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword, foreignToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    [InlineData("/account/sign-out")]
    public async Task Sign_in_never_redirects_off_site(string returnUrl)
    {
        using var client = Browser();

        using var response = await DashboardSession.PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword,
            returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Sign_out_needs_the_form_token_and_ends_the_session()
    {
        using var client = Browser();
        await DashboardSession.SignInAsync(client);

        using var forged = await client.PostAsync("/account/sign-out", null);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var token = await DashboardSession.AntiforgeryTokenAsync(client);
        using var signOut = await client.PostAsync("/account/sign-out",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/account/sign-in?signedOut=1", signOut.Headers.Location!.OriginalString);
        using var after = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    [Fact]
    public async Task A_dashboard_session_is_not_an_api_key_and_health_stays_open()
    {
        using var client = Browser();
        await DashboardSession.SignInAsync(client);
        client.DefaultRequestHeaders.Accept.Clear();
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var api = await client.GetAsync("/api/ingestions");
        using var anonymous = _factory.CreateClient();
        using var health = await anonymous.GetAsync("/health");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/account/sign-in")]
    [InlineData("/health")]
    [InlineData("/api/ingestions")]
    [InlineData("/")]
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        using var client = Browser();

        using var response = await client.GetAsync(path);

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Matches("script-src 'self' 'nonce-[A-Za-z0-9_-]{22}';", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task The_pages_inline_import_map_carries_the_responses_nonce()
    {
        using var client = Browser();

        using var response = await client.GetAsync("/account/sign-in");
        var html = await response.Content.ReadAsStringAsync();

        var nonce = System.Text.RegularExpressions.Regex.Match(response.Headers.GetValues("Content-Security-Policy").Single(), "'nonce-([^']+)'").Groups[1].Value;
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\">", html);
        Assert.DoesNotMatch("<script(?![^>]*(src=|nonce=))", html); // no other inline script
    }
}
