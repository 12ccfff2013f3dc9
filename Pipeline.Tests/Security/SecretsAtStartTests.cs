using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Tests.Support;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Security;

/// <summary>Outside Development the host refuses to start without its secrets, and says which key is missing.</summary>
public sealed class SecretsAtStartTests
{
    private static PipelineAppFactory Production(params (string Key, string? Value)[] settings) =>
        new(settings: settings.ToDictionary(s => s.Key, s => s.Value)) { EnvironmentName = "Production" };

    private static string StartFailure(PipelineAppFactory factory)
    {
        var error = Assert.ThrowsAny<Exception>(() => factory.Services.GetRequiredService<AdminCredentials>());
        return error.ToString();
    }

    [Fact]
    public async Task Production_without_an_api_key_fails_at_start_naming_the_key()
    {
        await using var factory = Production(("Pipeline:Security:ApiKeys:0", ""));

        Assert.Contains("Pipeline:Security:ApiKeys:0 (or Pipeline:Security:ApiKey) must be set outside Development", StartFailure(factory));
    }

    [Fact]
    public async Task Production_without_an_admin_password_hash_fails_at_start_naming_the_key()
    {
        await using var factory = Production(("Pipeline:Security:Admin:PasswordHash", ""));

        Assert.Contains("Pipeline:Security:Admin:PasswordHash must be set outside Development", StartFailure(factory));
    }

    [Theory]
    [InlineData("plain-text-password")]
    [InlineData("AQAAAAEAACcQAAAAEA==")] // v3 header, no salt or subkey
    public async Task A_malformed_password_hash_fails_at_start_naming_the_key(string hash)
    {
        await using var factory = Production(("Pipeline:Security:Admin:PasswordHash", hash));

        Assert.Contains("Pipeline:Security:Admin:PasswordHash is not a PasswordHasher v3 hash", StartFailure(factory));
    }

    [Fact]
    public async Task Single_sign_on_without_a_client_id_fails_at_start_naming_the_key()
    {
        await using var factory = Production(("Pipeline:Security:Oidc:Authority", "https://login.example.test/tenant"));

        Assert.Contains("Pipeline:Security:Oidc:ClientId must be set", StartFailure(factory));
    }

    [Fact]
    public async Task Production_with_its_secrets_starts_and_issues_secure_host_only_cookies()
    {
        await using var factory = Production();
        // Outside Development the cookies are Secure-only: the dashboard is served over HTTPS (directly or behind a proxy).
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"), HandleCookies = false, AllowAutoRedirect = false,
        });

        using var page = await client.GetAsync("/account/sign-in");
        var html = await page.Content.ReadAsStringAsync();
        var antiforgeryCookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/sign-in/password")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token, ["UserName"] = PipelineAppFactory.AdminUserName, ["Password"] = PipelineAppFactory.AdminPassword,
            }),
        };
        request.Headers.Add("Cookie", antiforgeryCookie.Split(';')[0]);
        using var signIn = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var session = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-pipeline.auth=", StringComparison.Ordinal));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", antiforgeryCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", antiforgeryCookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(page.Headers.Contains("Content-Security-Policy"));

        // And a post without the form's token is a plain 400 here too (not an error page).
        using var forged = await client.PostAsync("/account/sign-in/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = PipelineAppFactory.AdminUserName, ["Password"] = PipelineAppFactory.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.Contains("Set-Cookie") && forged.Headers.GetValues("Set-Cookie").Any(c => c.Contains("pipeline.auth", StringComparison.Ordinal)));
    }
}
