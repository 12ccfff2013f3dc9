using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>Secrets never reach the logs, at any level, whether the attempt succeeds or fails.</summary>
public sealed class SecretLoggingTests
{
    [Fact]
    public async Task Passwords_keys_and_hashes_are_not_logged_even_at_trace_level()
    {
        const string wrongPassword = "wrong-password-9f8e7d";
        const string wrongKey = "wrong-api-key-1a2b3c";
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        });
        using var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

        using (var failed = await DashboardSession.PostSignInAsync(browser, "admin", wrongPassword)) Assert.Equal(HttpStatusCode.Redirect, failed.StatusCode);
        using (var typo = await DashboardSession.PostSignInAsync(browser, PipelineAppFactory.AdminPassword, PipelineAppFactory.AdminPassword))
            Assert.Equal(HttpStatusCode.Redirect, typo.StatusCode); // the password typed into the user name field
        await DashboardSession.SignInAsync(browser);
        using var api = factory.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/ingestions")).StatusCode);
        using var intruder = factory.CreateClient();
        intruder.DefaultRequestHeaders.Add("X-Api-Key", wrongKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await intruder.GetAsync("/api/ingestions")).StatusCode);

        var lines = factory.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Dashboard sign-in failed", StringComparison.Ordinal)); // the failures are logged…
        string[] secrets = [PipelineAppFactory.AdminPassword, wrongPassword, PipelineAppFactory.ApiKey, wrongKey, PipelineAppFactory.AdminPasswordHashValue];
        foreach (var secret in secrets)
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal)); // …but not what was typed
        Assert.True(lines.Count > 50, $"expected trace logging, got {lines.Count} lines");
    }
}
