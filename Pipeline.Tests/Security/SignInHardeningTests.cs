using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cryptography.KeyDerivation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Tests.Support;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Security;

/// <summary>
/// Sign-in against hostile or unlucky input (issue 23, findings 3, 6 and 8): the timing of a wrong user name matches a
/// wrong password at any configured hash cost; return URLs a Location header cannot carry are encoded, not a 500; and
/// failures slow down one (address, user name) pair without locking out the same user elsewhere or other users.
/// </summary>
public sealed class SignInHardeningTests
{
    private const string ClientHeader = "X-Test-Client-Address";

    // ---- Finding 3: a wrong user name costs what a wrong password costs, by construction ----

    [Theory]
    [InlineData(KeyDerivationPrf.HMACSHA512, 50_000, 24, 48)]
    [InlineData(KeyDerivationPrf.HMACSHA256, 12_345, 16, 32)]
    [InlineData(KeyDerivationPrf.HMACSHA1, 600_000, 32, 20)]
    public void The_decoy_for_a_wrong_user_name_has_the_configured_hash_parameters(KeyDerivationPrf prf, int iterations, int salt, int subkey)
    {
        var configured = HandMade("correct horse battery staple", prf, iterations, salt, subkey);
        Assert.True(AdminPasswordHash.IsWellFormed(configured));

        var admin = Credentials(configured);

        var expected = new PasswordHashParameters(prf, iterations, salt, subkey);
        Assert.Equal(expected, admin.ConfiguredParameters);
        Assert.Equal(expected, admin.DecoyParameters);
        Assert.True(admin.Verify("admin", "correct horse battery staple"));
        Assert.False(admin.Verify("someone-else", "correct horse battery staple"));
    }

    [Fact]
    public void The_decoy_matches_the_password_generated_in_development_too()
    {
        var data = Directory.CreateTempSubdirectory("pipeline-decoy-").FullName;
        try
        {
            var admin = Credentials(null, Environments.Development, data);

            Assert.NotNull(admin.ConfiguredParameters);
            Assert.Equal(admin.ConfiguredParameters, admin.DecoyParameters);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task The_running_host_checks_wrong_names_against_a_decoy_like_the_configured_hash()
    {
        var configured = HandMade(PipelineAppFactory.AdminPassword, KeyDerivationPrf.HMACSHA512, 50_000, 24, 48);
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:Admin:PasswordHash"] = configured,
        });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

        await DashboardSession.SignInAsync(client); // the configured (non-default) hash works for the right password

        var admin = factory.Service<AdminCredentials>();
        Assert.True(AdminPasswordHash.TryReadParameters(configured, out var parameters));
        Assert.Equal(new PasswordHashParameters(KeyDerivationPrf.HMACSHA512, 50_000, 24, 48), parameters);
        Assert.Equal(parameters, admin.DecoyParameters);
    }

    [Fact]
    public void A_decoy_matches_no_password_and_differs_each_time()
    {
        var parameters = new PasswordHashParameters(KeyDerivationPrf.HMACSHA512, 10_000, 16, 32);

        var first = AdminPasswordHash.CreateDecoy(parameters);
        var second = AdminPasswordHash.CreateDecoy(parameters);

        Assert.NotEqual(first, second);
        Assert.True(AdminPasswordHash.IsWellFormed(first));
        Assert.False(AdminPasswordHash.Verify(first, ""));
        Assert.False(AdminPasswordHash.Verify(first, "password"));
    }

    // ---- Finding 6: return URLs a Location header cannot carry ----

    [Theory]
    [InlineData("/é/x", "/%C3%A9/x")]
    [InlineData("/runs?q=a b", "/runs?q=a%20b")]
    [InlineData("/\U0001F600", "/%F0%9F%98%80")]
    [InlineData("/runs/20200101T000000Z-00000000", "/runs/20200101T000000Z-00000000")]
    [InlineData("/\u0085x", "/")] // a C1 control character
    [InlineData("/\u00e9/%2F", "/%C3%A9/%2F")]
    public void Return_urls_are_percent_encoded_to_ascii(string returnUrl, string expected) =>
        Assert.Equal(expected, AccountEndpoints.SafeReturnUrl(returnUrl));

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character() => // built here: test discovery would mangle it in an attribute
        Assert.Equal("/%EF%BF%BDx", AccountEndpoints.SafeReturnUrl("/" + (char)0xD800 + "x"));

    [Fact]
    public void Over_long_return_urls_become_the_root_before_and_after_encoding()
    {
        Assert.Equal("/", AccountEndpoints.SafeReturnUrl("/" + new string('a', 5000)));
        Assert.Equal("/", AccountEndpoints.SafeReturnUrl("/" + new string('é', 1000))); // 1001 characters, 6001 encoded
        var longest = "/" + new string('a', AccountEndpoints.MaxReturnUrlLength - 1);
        Assert.Equal(longest, AccountEndpoints.SafeReturnUrl(longest));
    }

    [Theory]
    [InlineData("/é/x", "/%C3%A9/x")]
    [InlineData("/runs?q=ünïcödé \U0001F600", "/runs?q=%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%F0%9F%98%80")]
    public async Task The_right_password_with_a_non_ascii_return_url_redirects_to_it_encoded(string returnUrl, string location)
    {
        await using var factory = new PipelineAppFactory();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

        using var response = await DashboardSession.PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword,
            returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location!.OriginalString);
        Assert.True(Ascii.IsValid(response.Headers.Location.OriginalString));
    }

    [Fact]
    public async Task Over_long_or_non_ascii_return_urls_never_give_500_on_any_sign_in_path()
    {
        await using var factory = new PipelineAppFactory();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var tooLong = "/" + new string('x', 5000);

        using (var right = await DashboardSession.PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword,
                   returnUrl: tooLong))
        {
            Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
            Assert.Equal("/", right.Headers.Location!.OriginalString);
        }
        using (var wrong = await DashboardSession.PostSignInAsync(client, "someone", "wrong-password", returnUrl: "/é/x"))
        {
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
            Assert.Equal("/account/sign-in?error=credentials&ReturnUrl=%2F%25C3%25A9%2Fx", wrong.Headers.Location!.OriginalString);
        }
        // The sign-in page carries the encoded return URL into its form (and a posted encoded one stays as it is).
        var page = await client.GetStringAsync("/account/sign-in?ReturnUrl=" + Uri.EscapeDataString("/é/x"));
        Assert.Contains("name=\"ReturnUrl\" value=\"/%C3%A9/x\"", page);
        using var tooLongPage = await client.GetAsync("/account/sign-in?ReturnUrl=" + Uri.EscapeDataString(tooLong));
        Assert.Equal(HttpStatusCode.OK, tooLongPage.StatusCode);
        Assert.Contains("name=\"ReturnUrl\" value=\"/\"", await tooLongPage.Content.ReadAsStringAsync());
    }

    // ---- Finding 8: growing delays per (address, user name), a looser cap per address, no neighbour lock-out ----

    [Fact]
    public async Task A_neighbours_failures_slow_that_pair_only_and_every_refusal_is_logged_without_the_typed_values()
    {
        const string neighbourPassword = "neighbour-guess-5e1d";
        const string otherUser = "operator-typed-7c3a";
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:SignIn:Throttle:FreeFailures"] = "3",
            ["Pipeline:Security:SignIn:Throttle:FirstDelaySeconds"] = "60", // long enough that a slow machine still sees the wait
            ["Pipeline:Security:SignIn:Throttle:MaxDelaySeconds"] = "600",
        })
        {
            ConfigureServices = services => services.AddSingleton<IStartupFilter, ClientAddressFromHeader>(),
        };
        using var neighbour = Browser(factory, "10.0.0.1");
        using var admin = Browser(factory, "10.0.0.2");
        var token = await DashboardSession.AntiforgeryTokenAsync(neighbour);

        for (var i = 0; i < 4; i++)
        {
            using var wrong = await DashboardSession.PostSignInAsync(neighbour, PipelineAppFactory.AdminUserName, $"{neighbourPassword}-{i}", token);
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
            Assert.StartsWith("/account/sign-in?error=credentials", wrong.Headers.Location!.OriginalString);
        }

        // That (address, user name) pair now waits, even with the right password…
        neighbour.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        using (var slowed = await DashboardSession.PostSignInAsync(neighbour, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword, token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, slowed.StatusCode);
            Assert.InRange(int.Parse(slowed.Headers.GetValues("Retry-After").Single()), 1, 60);
            Assert.Equal(429, JsonDocument.Parse(await slowed.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
            Assert.False(slowed.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("pipeline.auth=", StringComparison.Ordinal)));
        }
        // …but the admin signs in from another address…
        await DashboardSession.SignInAsync(admin);
        // …and another user name from the neighbour's address is still checked (a wrong password, not a refusal).
        using (var other = await DashboardSession.PostSignInAsync(neighbour, otherUser, neighbourPassword, token))
        {
            Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
            Assert.StartsWith("/account/sign-in?error=credentials", other.Headers.Location!.OriginalString);
        }

        var lines = factory.Logs.Lines;
        Assert.Equal(5, lines.Count(l => l.Contains("Dashboard sign-in failed from 10.0.0.1", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("Dashboard sign-in refused from 10.0.0.1", StringComparison.Ordinal));
        foreach (var typed in new[] { neighbourPassword, otherUser, PipelineAppFactory.AdminPassword })
            Assert.DoesNotContain(lines, l => l.Contains(typed, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_flood_guard_per_address_refuses_with_429_and_logs_it()
    {
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:SignIn:Throttle:RequestLimit"] = "2",
            ["Pipeline:Security:SignIn:WindowSeconds"] = "600",
        });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var token = await DashboardSession.AntiforgeryTokenAsync(client);

        for (var i = 0; i < 2; i++)
            using (var wrong = await DashboardSession.PostSignInAsync(client, $"user-{i}", "flood-guess-81b0", token))
                Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
        using var refused = await DashboardSession.PostSignInAsync(client, "user-x", "flood-guess-81b0", token);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single()), 1, 600);
        Assert.Contains(factory.Logs.Lines, l => l.Contains("Dashboard sign-in refused from", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("flood-guess-81b0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_throttle_setting_that_contradicts_another_stops_the_start_naming_it()
    {
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:SignIn:Throttle:MaxDelaySeconds"] = "600",
            ["Pipeline:Security:SignIn:Throttle:ForgetAfterSeconds"] = "60",
        });

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        Assert.Contains("Pipeline:Security:SignIn:Throttle:ForgetAfterSeconds", error.ToString());
    }

    [Fact]
    public void The_wait_doubles_after_the_free_failures_up_to_the_cap_and_a_success_clears_it()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, freeFailures: 3, firstDelay: 1, maxDelay: 8);
        var waits = new List<double>();
        var allowed = 0;

        while (waits.Count < 5)
        {
            if (FailedAttempt(throttle, "10.0.0.1", "admin") is { } refusal)
            {
                waits.Add(refusal.RetryAfter.TotalSeconds);
                clock.Advance(refusal.RetryAfter); // a wait, not a lock: once it has passed, the next attempt is checked
            }
            else allowed++;
        }

        Assert.Equal([1, 2, 4, 8, 8], waits);
        Assert.Equal(4 + 4, allowed); // four at once (the free failures, then the one that starts the wait), one after each wait
        throttle.Succeeded("10.0.0.1", "admin");
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));
    }

    [Fact]
    public void Many_sign_ins_at_once_as_one_user_from_one_address_are_not_slowed_until_one_fails()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, freeFailures: 3, firstDelay: 60, maxDelay: 600, permitLimit: 30);
        // Eleven people behind one address opening the dashboard together: every password is checked.
        for (var i = 0; i < 11; i++) Assert.Null(throttle.TryBegin("10.0.0.1", "admin"));
        for (var i = 0; i < 11; i++) throttle.Succeeded("10.0.0.1", "admin");
        for (var i = 0; i < 4; i++) Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));
        Assert.NotNull(throttle.TryBegin("10.0.0.1", "admin")); // four wrong passwords: now it waits
    }

    [Fact]
    public void A_wait_holds_one_address_and_user_name_only()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, freeFailures: 2, firstDelay: 30, maxDelay: 300);
        for (var i = 0; i < 3; i++) Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));

        Assert.NotNull(FailedAttempt(throttle, "10.0.0.1", "admin"));
        Assert.Null(FailedAttempt(throttle, "10.0.0.2", "admin"));    // the same user from another address
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "operator")); // another user from the same address
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));    // a wait, not a lock
    }

    [Fact]
    public void Attempts_a_wait_refuses_do_not_use_up_the_address_cap()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, freeFailures: 0, firstDelay: 60, maxDelay: 600, permitLimit: 3);

        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));
        for (var i = 0; i < 100; i++) Assert.NotNull(FailedAttempt(throttle, "10.0.0.1", "admin")); // hammering one name
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "operator"));
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "viewer"));

        var capped = FailedAttempt(throttle, "10.0.0.1", "auditor"); // the fourth password check from the address this minute
        Assert.NotNull(capped);
        Assert.Equal(TimeSpan.FromSeconds(60), capped.RetryAfter);
        Assert.Null(FailedAttempt(throttle, "10.0.0.2", "auditor"));
    }

    [Fact]
    public void Failures_are_forgotten_and_memory_stays_bounded()
    {
        var clock = new ManualClock();
        var throttle = Throttle(clock, freeFailures: 0, firstDelay: 60, maxDelay: 60, forgetAfter: 120, maxEntries: 100);

        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));
        Assert.NotNull(FailedAttempt(throttle, "10.0.0.1", "admin"));
        clock.Advance(TimeSpan.FromSeconds(120));
        Assert.Null(FailedAttempt(throttle, "10.0.0.1", "admin"));
        for (var i = 0; i < 5_000; i++)
        {
            FailedAttempt(throttle, $"10.1.{i / 256}.{i % 256}", $"user-{i}");
            Assert.InRange(throttle.TrackedEntries, 0, 100);
        }
    }

    // ---- helpers ----

    /// <summary>An attempt with a wrong password: refused, or checked and failed.</summary>
    private static SignInRefusal? FailedAttempt(SignInThrottle throttle, string client, string user)
    {
        var refusal = throttle.TryBegin(client, user);
        if (refusal is null) throttle.Failed(client, user);
        return refusal;
    }

    private static HttpClient Browser(PipelineAppFactory factory, string address)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(ClientHeader, address);
        return client;
    }

    private static AdminCredentials Credentials(string? hash, string environment = "Production", string dataDirectory = ".data") =>
        new(Options.Create(new AdminAccountOptions { UserName = "admin", PasswordHash = hash }),
            Options.Create(new PipelineOptions { DataDirectory = dataDirectory }),
            new HostingEnvironment { EnvironmentName = environment }, NullLogger<AdminCredentials>.Instance);

    private static SignInThrottle Throttle(TimeProvider clock, int freeFailures, int firstDelay, int maxDelay, int permitLimit = 1000,
        int forgetAfter = 900, int maxEntries = 10_000) =>
        new(Options.Create(new SignInThrottleOptions
            {
                FreeFailures = freeFailures, FirstDelaySeconds = firstDelay, MaxDelaySeconds = maxDelay, ForgetAfterSeconds = forgetAfter,
                MaxTrackedEntries = maxEntries,
            }),
            Options.Create(new SignInOptions { PermitLimit = permitLimit, WindowSeconds = 60 }), clock);

    /// <summary>A v3 hash built by hand: 0x01 | PRF | iterations | salt length | salt | subkey.</summary>
    private static string HandMade(string password, KeyDerivationPrf prf, int iterations, int saltBytes, int subkeyBytes) =>
        AdminPasswordHash.Create(password, new PasswordHashParameters(prf, iterations, saltBytes, subkeyBytes));

    /// <summary>Stands in for the client address the test server leaves empty, so one host sees several clients.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientHeader], out var address)) context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
