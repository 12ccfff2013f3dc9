using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// Requests a client (or a probe) would send, against the real host on a loopback port: HSTS behind the trusted proxy,
/// the API key before the body, no 500 or error log from anonymous posts under /hangfire, redirects that never echo
/// the Host header, and a narrow image policy.
/// </summary>
public sealed class RequestHardeningTests
{
    private const string ForgedHost = "evil.example";

    /// <summary>A host on a loopback port (Kestrel: the client address is 127.0.0.1, as from a proxy on this machine).</summary>
    private static PipelineAppFactory Start(string environment = "Development", Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var factory = new PipelineAppFactory(settings: settings) { EnvironmentName = environment, ConfigureServices = services };
        factory.UseKestrel(0);
        factory.StartServer();
        return factory;
    }

    private static HttpClient Client(PipelineAppFactory factory, string? apiKey = null, bool cookies = false)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = cookies })
        {
            BaseAddress = factory.ClientOptions.BaseAddress,
        };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    private static IReadOnlyList<string> ErrorLogs(PipelineAppFactory factory) =>
        factory.Logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();

    // Finding 2: HSTS behind the trusted proxy; the proxy list configurable.

    [Theory]
    [InlineData("TrustLoopbackProxy", "true", true)]
    [InlineData("KnownProxies:0", "127.0.0.1", true)]
    [InlineData("KnownNetworks:0", "127.0.0.0/8", true)]
    [InlineData("KnownProxies:0", "10.1.2.3", false)] // another proxy is trusted, not this one
    [InlineData(null, null, false)]                     // no proxy trusted: the forwarded scheme is ignored
    public async Task Hsts_is_sent_for_https_forwarded_by_a_trusted_proxy_only(string? key, string? value, bool trusted)
    {
        var settings = new Dictionary<string, string?>();
        if (key is not null) settings[$"Pipeline:Security:Proxy:{key}"] = value;
        await using var factory = Start("Production", settings);
        using var client = Client(factory);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Host = "pipeline.example"; // HSTS is never sent to localhost
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await client.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"got {(int)response.StatusCode}");
        Assert.Equal(trusted, response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("KnownProxies:0", "proxy.internal", "Pipeline:Security:Proxy:KnownProxies:0 'proxy.internal' is not an IP address")]
    [InlineData("KnownNetworks:1", "10.0.0.0/33", "Pipeline:Security:Proxy:KnownNetworks:1 '10.0.0.0/33' is not a network in CIDR notation")]
    public async Task A_proxy_entry_that_is_not_an_address_fails_at_start_naming_the_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [$"Pipeline:Security:Proxy:{key}"] = value };
        if (key.StartsWith("KnownNetworks", StringComparison.Ordinal)) settings["Pipeline:Security:Proxy:KnownNetworks:0"] = "10.0.0.0/24";
        await using var factory = new PipelineAppFactory(settings: settings) { EnvironmentName = "Production" };

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains(message, error.ToString());
    }

    // Finding 4: the API key before the body; no developer exception page under /api.

    [Theory]
    [InlineData("{\"source\":", "application/json")]
    [InlineData("{\"source\":\"synthetic\"}", "text/plain")]
    [InlineData("not json at all", null)]
    public async Task An_anonymous_post_gets_401_whatever_its_body(string body, string? contentType)
    {
        await using var factory = Start();
        using var client = Client(factory);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.PostAsync("/api/ingestions", content);

        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task With_a_key_a_malformed_body_gets_400_problem_details_that_echo_no_header()
    {
        await using var factory = Start();
        using var client = Client(factory, PipelineAppFactory.ApiKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingestions")
        {
            Content = new StringContent("{\"source\":", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", "pipeline.auth=cookie-value-that-must-not-come-back");

        using var response = await client.SendAsync(request);

        await ProblemAsync(response, HttpStatusCode.BadRequest);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(PipelineAppFactory.ApiKey, text);
        Assert.DoesNotContain("cookie-value-that-must-not-come-back", text);
        Assert.DoesNotContain("   at ", text); // no stack trace
    }

    [Fact]
    public async Task In_development_an_api_exception_is_problem_details_without_the_request_headers()
    {
        await using var factory = Start(services: services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IWarehouse));
            services.Remove(original);
            services.AddSingleton<IWarehouse>(sp => new ThrowingWarehouse(original.ImplementationFactory is { } make
                ? (IWarehouse)make(sp) : (IWarehouse)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
        });
        using var client = Client(factory, PipelineAppFactory.ApiKey);
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html"); // even a browser gets no developer exception page here

        using var response = await client.GetAsync("/api/metrics/price-changes/summary");

        await ProblemAsync(response, HttpStatusCode.InternalServerError);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(PipelineAppFactory.ApiKey, text);
        Assert.DoesNotContain("X-Api-Key", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ThrowingWarehouse.Message, text);
    }

    private sealed class ThrowingWarehouse(IWarehouse inner) : DelegatingWarehouse(inner), IAsyncDisposable
    {
        public const string Message = "the warehouse broke in a way only the log should tell";
        private readonly IWarehouse _owned = inner;

        public ValueTask DisposeAsync() => _owned is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

        public override Task<PriceChangeSummary> PriceChangeSummaryAsync(string? source, TimeSpan window, PriceChangeBucket bucket, CancellationToken ct) =>
            throw new InvalidOperationException(Message);
    }

    // Finding 5: hostile requests under /hangfire (and plain-HTTP posts in Production) end in a 4xx, with no error in the log.

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task Hostile_requests_under_hangfire_get_a_4xx_and_log_no_error(string environment)
    {
        await using var factory = Start(environment, new() { ["Pipeline:Security:Proxy:TrustLoopbackProxy"] = "true" });
        using var client = Client(factory);
        string[] paths = ["/hangfire", "/hangfire/recurring", "/hangfire/recurring/trigger", "/hangfire/stats", "/hangfire/jobs/enqueued/delete", "/hangfire/no-such-page"];

        async Task<int> SendAsync(HttpMethod method, string path, string? key, string scheme, bool form = true)
        {
            using var request = new HttpRequestMessage(method, path);
            if (form) request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["jobs[]"] = "x" });
            if (key is not null) request.Headers.Add("X-Api-Key", key);
            request.Headers.Add("X-Forwarded-Proto", scheme);
            using var response = await client.SendAsync(request);
            return (int)response.StatusCode;
        }

        foreach (var path in paths)
        foreach (var key in new[] { null, "not-the-key" })
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete })
        foreach (var scheme in new[] { "http", "https" })
        {
            var status = await SendAsync(method, path, key, scheme);
            Assert.True(status is 401 or 403 or 404 or 405, $"{method} {path} (key {key ?? "none"}, {scheme}) in {environment}: {status}");
        }
        // A key holder's odd requests: a command by GET, an unknown address, a method the dashboard does not answer.
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/hangfire/stats"), (HttpMethod.Get, "/hangfire/recurring/trigger"),
                     (HttpMethod.Post, "/hangfire/no-such-page"), (HttpMethod.Put, "/hangfire/recurring") })
        {
            var status = await SendAsync(method, path, PipelineAppFactory.ApiKey, "https", form: false);
            Assert.True(status < 500, $"{method} {path} with the key in {environment}: {status}");
        }
        // The sign-in and sign-out forms posted over plain HTTP (in Production their antiforgery cookie needs HTTPS).
        foreach (var path in new[] { "/account/sign-in/password", "/account/sign-out" })
        {
            var status = await SendAsync(HttpMethod.Post, path, null, "http");
            Assert.True(status is 400 or 403, $"POST {path} over plain HTTP in {environment}: {status}");
        }

        Assert.Empty(ErrorLogs(factory));
    }

    // Finding 7: redirects are path-only, whatever the Host header says.

    [Fact]
    public async Task Redirects_never_echo_a_forged_host_header()
    {
        await using var factory = Start();
        using var client = Client(factory, cookies: true);
        client.DefaultRequestHeaders.Host = ForgedHost;
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var signedOut = await client.GetAsync("/runs");
        using var dashboard = await client.GetAsync("/hangfire/recurring");
        using var signIn = await Support.DashboardSession.PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword,
            returnUrl: "/runs?page=2");

        foreach (var (what, response, path) in new[]
        {
            ("a signed-out page", signedOut, "/account/sign-in?ReturnUrl=%2Fruns"),
            ("the Hangfire dashboard", dashboard, "/account/sign-in?ReturnUrl=%2Fhangfire%2Frecurring"),
            ("the sign-in", signIn, "/runs?page=2"),
        })
        {
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{what}: {(int)response.StatusCode}");
            var location = response.Headers.Location!.OriginalString;
            Assert.DoesNotContain(ForgedHost, location);
            Assert.Equal(path, location);
        }
    }

    // Finding 11: images only from this origin (or inline).

    [Fact]
    public async Task The_content_security_policy_loads_images_from_this_origin_only()
    {
        await using var factory = Start();
        using var client = Client(factory);

        using var response = await client.GetAsync("/account/sign-in");

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("img-src 'self' data:;", csp);
        Assert.DoesNotContain("https:", csp);
    }
}
