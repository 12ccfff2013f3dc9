using System.Net;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Security;

/// <summary>
/// Sessions end on the server: a cookie copied before Sign out (or "sign out everywhere", or past the absolute cap) is
/// refused afterwards on pages, the Blazor hub and the Hangfire dashboard, sent exactly as a client would send it.
/// </summary>
public sealed class ServerSessionTests : IAsyncLifetime
{
    /// <summary>The absolute cap of the app in <see cref="The_absolute_cap_ends_a_session_that_is_in_use"/>.</summary>
    private static readonly TimeSpan ShortCap = TimeSpan.FromSeconds(10);

    private PipelineAppFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new PipelineAppFactory(settings: new Dictionary<string, string?> { ["Pipeline:Security:SignIn:PermitLimit"] = "1000" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static HttpClient Browser(PipelineAppFactory factory)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        return client;
    }

    /// <summary>Signs a new browser in and returns it with its session cookie, as a <c>Cookie</c> header value.</summary>
    private static async Task<(HttpClient Browser, string Cookie)> SignInAsync(PipelineAppFactory factory)
    {
        var browser = Browser(factory);
        using var signIn = await DashboardSession.PostSignInAsync(browser, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("pipeline.auth=", StringComparison.Ordinal));
        return (browser, setCookie.Split(';')[0]);
    }

    /// <summary>What the three protected places answer to a request carrying only <paramref name="cookie"/>.</summary>
    private static async Task<(HttpStatusCode Runs, HttpStatusCode Negotiate, HttpStatusCode Hangfire, string? RunsLocation)> ProbeAsync(
        PipelineAppFactory factory, string cookie)
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        using var runsRequest = new HttpRequestMessage(HttpMethod.Get, "/runs");
        runsRequest.Headers.Add("Cookie", cookie);
        runsRequest.Headers.Accept.ParseAdd("text/html");
        using var runs = await client.SendAsync(runsRequest);
        using var negotiateRequest = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        negotiateRequest.Headers.Add("Cookie", cookie);
        using var negotiate = await client.SendAsync(negotiateRequest);
        using var hangfireRequest = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
        hangfireRequest.Headers.Add("Cookie", cookie);
        hangfireRequest.Headers.Accept.ParseAdd("text/html");
        using var hangfire = await client.SendAsync(hangfireRequest);
        return (runs.StatusCode, negotiate.StatusCode, hangfire.StatusCode, runs.Headers.Location?.OriginalString);
    }

    private static void AssertRefused((HttpStatusCode Runs, HttpStatusCode Negotiate, HttpStatusCode Hangfire, string? RunsLocation) probe)
    {
        Assert.Equal(HttpStatusCode.Redirect, probe.Runs);
        Assert.Contains("/account/sign-in?ReturnUrl=", probe.RunsLocation);
        Assert.Equal(HttpStatusCode.Unauthorized, probe.Negotiate);
        Assert.Equal(HttpStatusCode.Redirect, probe.Hangfire);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path)
    {
        var token = await DashboardSession.AntiforgeryTokenAsync(browser);
        return await browser.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }

    [Fact]
    public async Task A_cookie_saved_before_sign_out_is_refused_afterwards()
    {
        var (browser, cookie) = await SignInAsync(_factory);
        using var _ = browser;
        var before = await ProbeAsync(_factory, cookie);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (before.Runs, before.Negotiate, before.Hangfire));

        using var signOut = await PostFormAsync(browser, "/account/sign-out");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        AssertRefused(await ProbeAsync(_factory, cookie));
    }

    [Fact]
    public async Task Signing_out_ends_only_that_session()
    {
        var (first, firstCookie) = await SignInAsync(_factory);
        var (second, secondCookie) = await SignInAsync(_factory);
        using var _ = first;
        using var __ = second;

        using var signOut = await PostFormAsync(first, "/account/sign-out");

        AssertRefused(await ProbeAsync(_factory, firstCookie));
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(_factory, secondCookie)).Runs);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_the_user()
    {
        var (first, firstCookie) = await SignInAsync(_factory);
        var (second, secondCookie) = await SignInAsync(_factory);
        using var _ = first;
        using var __ = second;
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(_factory, secondCookie)).Runs); // an answer the instance may now cache

        using var forged = await first.PostAsync("/account/sign-out-everywhere", null);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(_factory, secondCookie)).Runs);

        using var everywhere = await PostFormAsync(first, "/account/sign-out-everywhere");

        Assert.Equal(HttpStatusCode.Redirect, everywhere.StatusCode);
        Assert.Equal("/account/sign-in?signedOut=1", everywhere.Headers.Location!.OriginalString);
        AssertRefused(await ProbeAsync(_factory, firstCookie));
        AssertRefused(await ProbeAsync(_factory, secondCookie));
    }

    [Fact]
    public async Task Sign_out_everywhere_needs_a_session()
    {
        using var anonymous = Browser(_factory);

        using var response = await PostFormAsync(anonymous, "/account/sign-out-everywhere");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/sign-in", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_absolute_cap_ends_a_session_that_is_in_use()
    {
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:SignIn:AbsoluteSessionHours"] = ShortCap.TotalHours.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            ["Pipeline:Security:SignIn:SessionCheckSeconds"] = "1",
        });
        var (browser, cookie) = await SignInAsync(factory);
        using var _ = browser;

        // By construction: the cookie names a stored session that ends the cap after it began (whatever the machine's speed)...
        var ticket = factory.Service<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme)
            .TicketDataFormat.Unprotect(cookie["pipeline.auth=".Length..]);
        var principal = ticket!.Principal;
        var session = await factory.Service<ISessionStore>().GetSessionAsync(principal.FindFirst(ServerSessions.SessionUserClaim)!.Value,
            principal.FindFirst(ServerSessions.SessionClaim)!.Value, CancellationToken.None);
        Assert.InRange(session!.ExpiresAt - session.CreatedAt, ShortCap - TimeSpan.FromMilliseconds(2), ShortCap + TimeSpan.FromMilliseconds(2));
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(factory, cookie)).Negotiate);
        // ...and, used before and after that end, the cookie is refused once it has passed (sliding renewal does not help).
        await Eventually.WaitForAsync(() => ProbeAsync(factory, cookie), p => p.Runs == HttpStatusCode.Redirect, TimeSpan.FromSeconds(30),
            "the session to pass its absolute cap");
        AssertRefused(await ProbeAsync(factory, cookie));
    }
}
