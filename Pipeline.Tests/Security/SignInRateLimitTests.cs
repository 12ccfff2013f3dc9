using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>Password guessing is slowed down: a few attempts per client address and minute, then 429.</summary>
public sealed class SignInRateLimitTests
{
    [Fact]
    public async Task Attempts_over_the_limit_get_429_with_retry_after_even_with_the_right_password()
    {
        await using var factory = new PipelineAppFactory(settings: new Dictionary<string, string?>
        {
            ["Pipeline:Security:SignIn:PermitLimit"] = "3",
            ["Pipeline:Security:SignIn:WindowSeconds"] = "600",
        });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var token = await DashboardSession.AntiforgeryTokenAsync(client);

        for (var i = 0; i < 3; i++)
        {
            using var wrong = await DashboardSession.PostSignInAsync(client, "admin", $"guess-{i}", token);
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);
        }
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        using var throttled = await DashboardSession.PostSignInAsync(client, PipelineAppFactory.AdminUserName, PipelineAppFactory.AdminPassword, token);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("application/problem+json", throttled.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, JsonDocument.Parse(await throttled.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
        Assert.InRange(int.Parse(throttled.Headers.GetValues("Retry-After").Single()), 1, 600);
        Assert.False(throttled.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("pipeline.auth=", StringComparison.Ordinal)));
        // The rest of the dashboard is not throttled.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/sign-in")).StatusCode);
    }
}
