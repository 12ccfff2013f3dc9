using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api;

/// <summary>
/// What the operator cockpit changed at the HTTP edge: the categories' answer keeps its shape, a count of 0 is refused
/// naming the field, a browser gets an HTML not-found page (the API problem details), and a signed-out browser on
/// /hangfire is sent to sign in (a script still gets 401, a key still gets in).
/// </summary>
public sealed class CockpitApiTests : IAsyncLifetime
{
    private PipelineAppFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new PipelineAppFactory();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpClient Anonymous() =>
        _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    [Fact]
    public async Task Categories_answer_items_sorted_for_all_sources_and_per_source()
    {
        using var api = _app.CreateApiClient();
        await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 300 }), andRefresh: false);

        var all = JsonDocument.Parse(await api.GetStringAsync("/api/products/categories")).RootElement;
        Assert.Equal(["items"], all.EnumerateObject().Select(p => p.Name)); // {"items":[…]}, nothing else
        var items = all.GetProperty("items").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(items);
        Assert.Equal(items.Order(StringComparer.Ordinal), items);
        var synthetic = JsonDocument.Parse(await api.GetStringAsync("/api/products/categories?source=synthetic")).RootElement;
        Assert.Equal(items, synthetic.GetProperty("items").EnumerateArray().Select(e => e.GetString()!));
        var none = JsonDocument.Parse(await api.GetStringAsync("/api/products/categories?source=fakestore")).RootElement;
        Assert.Empty(none.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_count_of_zero_gets_400_naming_the_field()
    {
        using var api = _app.CreateApiClient();

        var response = await api.PostAsync("/api/ingestions",
            new StringContent("{\"source\":\"synthetic\",\"options\":{\"count\":0}}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("'count' must be between 1", problem.GetProperty("errors").GetProperty("options.count")[0].GetString());
    }

    [Fact]
    public async Task An_unknown_api_route_keeps_problem_details()
    {
        using var api = _app.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/no-such-thing");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8"); // even when a browser asks

        using var response = await api.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_signed_out_browser_on_hangfire_is_sent_to_sign_in_a_script_gets_401_a_key_gets_in()
    {
        using var browser = Anonymous();
        using var page = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        page.Headers.Accept.ParseAdd("text/html");
        using var redirected = await browser.SendAsync(page);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/account/sign-in?ReturnUrl=%2Fhangfire", redirected.Headers.Location!.OriginalString);

        using var script = await browser.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);

        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        wrongKey.Headers.Add("X-Api-Key", "wrong-key");
        wrongKey.Headers.Accept.ParseAdd("text/html");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(wrongKey)).StatusCode);

        using var api = _app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/hangfire")).StatusCode);
    }
}
