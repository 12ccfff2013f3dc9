using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// Hostile requests against the real host on a loopback port (Kestrel, so body limits are the server's): each ends in a
/// clean rejection with problem details, never a 500 or a file outside the raw zone.
/// </summary>
public sealed class HostileInputTests : IClassFixture<HostileInputTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public PipelineAppFactory Factory { get; private set; } = null!;
        public Uri BaseAddress { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Factory = new PipelineAppFactory();
            Factory.UseKestrel(0);
            Factory.StartServer();
            BaseAddress = Factory.ClientOptions.BaseAddress;
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly App _app;

    public HostileInputTests(App app) => _app = app;

    private HttpClient Api()
    {
        var client = new HttpClient { BaseAddress = _app.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        return client;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    private static string PaddedBody(int bytes) =>
        "{\"source\":\"synthetic\",\"options\":{\"seed\":\"" + new string('a', bytes) + "\"}}";

    [Fact]
    public async Task An_oversized_declared_body_gets_413_before_it_is_read()
    {
        using var client = Api();

        using var response = await client.PostAsync("/api/ingestions", new StringContent(PaddedBody(70 * 1024), Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("65536 bytes", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_oversized_chunked_body_gets_413_when_it_runs_over()
    {
        using var client = Api();
        var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(PaddedBody(300 * 1024))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync("/api/ingestions", content);

        Assert.Null(response.RequestMessage!.Content!.Headers.ContentLength);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task An_oversized_sign_in_form_gets_413()
    {
        using var client = new HttpClient { BaseAddress = _app.BaseAddress };
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");

        using var response = await client.PostAsync("/account/sign-in/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = "admin", ["Password"] = new string('p', 20 * 1024),
        }));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(2000)]
    public async Task Deeply_nested_json_gets_400(int depth)
    {
        using var client = Api();
        var json = "{\"source\":\"synthetic\",\"options\":{\"seed\":" + new string('[', depth) + new string(']', depth) + "}}";

        using var response = await client.PostAsync("/api/ingestions", new StringContent(json, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task A_body_that_is_not_json_gets_415(string? contentType)
    {
        using var client = Api();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"source\":\"synthetic\"}"));
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.PostAsync("/api/ingestions", content);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":1e400}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":-1}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"count\":99999999999}}", "options.count")]
    [InlineData("{\"source\":\"synthetic\",\"options\":{\"../../etc\":1}}", "options")]
    [InlineData("{\"source\":\"../../etc/passwd\"}", "source")]
    [InlineData("{\"source\":\"synthetic\\u0000\"}", "source")]
    [InlineData("{\"source\":[\"synthetic\"]}", null)]
    [InlineData("{\"source\":\"synthetic\",\"options\":[1,2]}", null)]
    [InlineData("[]", null)]
    [InlineData("null", "body")]
    public async Task Odd_values_get_400(string json, string? field)
    {
        using var client = Api();

        using var response = await client.PostAsync("/api/ingestions", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        if (field is not null) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
    }

    [Fact]
    public async Task A_huge_source_name_or_option_value_gets_400()
    {
        using var client = Api();

        using var source = await client.PostAsJsonStringAsync($"{{\"source\":\"{new string('s', 10_000)}\"}}");
        using var option = await client.PostAsJsonStringAsync($"{{\"source\":\"synthetic\",\"options\":{{\"seed\":\"{new string('1', 300)}\"}}}}");
        using var many = await client.PostAsJsonStringAsync(
            "{\"source\":\"synthetic\",\"options\":{" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"o{i}\":1")) + "}}");

        Assert.True((await AssertProblemAsync(source, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("source", out _));
        Assert.True((await AssertProblemAsync(option, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("options.seed", out _));
        Assert.True((await AssertProblemAsync(many, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("options", out _));
    }

    [Fact]
    public async Task Invalid_utf8_gets_400()
    {
        using var client = Api();
        var content = new ByteArrayContent([.. "{\"source\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync("/api/ingestions", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/api/products?q=" + "x")]
    [InlineData("/api/products?limit=99999999999999999999")]
    [InlineData("/api/products?sort=price;DROP TABLE products")]
    [InlineData("/api/products?pageToken=%00%01%02")]
    [InlineData("/api/ingestions?limit=-5")]
    [InlineData("/api/metrics/price-moves?hours=1e9")]
    public async Task Odd_query_parameters_get_400(string path)
    {
        using var client = Api();
        if (path.EndsWith("q=x", StringComparison.Ordinal)) path += new string('x', 500);

        using var response = await client.GetAsync(path);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/api/ingestions/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/ingestions/%2e%2e/rejections")]
    [InlineData("/api/products/dummyjson:..%2F..%2Fstore.db")]
    [InlineData("/api/warehouse/refreshes/..%5C..%5Cwarehouse.duckdb")]
    public async Task Traversal_in_ids_gets_404(string path)
    {
        using var client = Api();

        using var response = await client.GetAsync(path);

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_oversized_api_key_is_refused_like_a_wrong_one()
    {
        using var client = new HttpClient { BaseAddress = _app.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", new string('k', 8 * 1024));

        using var response = await client.GetAsync("/api/ingestions");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    public static TheoryData<string> UnsafeKeys =>
    [
        "../outside.json",
        "raw/../../outside.json",
        "raw/source=x/../../../etc/passwd",
        "/etc/passwd",
        "raw\\..\\..\\outside.json",
        "raw//double-slash.json",
        "raw/./dot.json",
        "raw/nul\0byte.json",
        "raw/new\nline.json",
        "raw/page.json.meta.json",
        "",
    ];

    [Theory]
    [MemberData(nameof(UnsafeKeys))]
    public async Task The_folder_raw_zone_refuses_unsafe_keys(string key)
    {
        var root = Path.Combine(_app.Factory.DataDirectory, "traversal-" + Guid.NewGuid().ToString("N"), "rawzone");
        var zone = new FolderRawZone(root);
        await zone.EnsureCreatedAsync(CancellationToken.None);
        var metadata = new RawObjectMetadata { RunId = "r", Source = "s", SourceUrl = "u", FetchedAt = DateTimeOffset.UnixEpoch, Sha256 = "0" };

        await Assert.ThrowsAsync<ArgumentException>(() => zone.PutAsync(key, "{}"u8.ToArray(), metadata, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => zone.GetAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => zone.HeadAsync(key, CancellationToken.None));
        Assert.False(RawKeys.IsSafe(key) && !key.EndsWith(".meta.json", StringComparison.Ordinal));
        var parent = Path.GetDirectoryName(root)!;
        Assert.Equal([root], Directory.GetFileSystemEntries(parent));
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Theory]
    [InlineData("../")]
    [InlineData("raw/../../")]
    [InlineData("/etc/")]
    [InlineData("raw\\..\\")]
    public async Task The_folder_raw_zone_refuses_unsafe_listing_prefixes(string prefix)
    {
        var zone = new FolderRawZone(Path.Combine(_app.Factory.DataDirectory, "rawzone"));

        await Assert.ThrowsAsync<ArgumentException>(() => zone.ListAsync(prefix, 10, null, CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(UnsafeKeys))]
    public async Task The_transform_ignores_unsafe_keys(string key)
    {
        await using var scope = _app.Factory.Services.CreateAsyncScope();
        var transform = scope.ServiceProvider.GetRequiredService<TransformHandler>();

        Assert.Equal(TransformOutcome.Ignored, await transform.HandleAsync(key, CancellationToken.None));
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<IProductStore>().CountAsync(null, CancellationToken.None));
    }

    /// <summary>A body of unknown length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

internal static class HostileRequests
{
    public static Task<HttpResponseMessage> PostAsJsonStringAsync(this HttpClient client, string json) =>
        client.PostAsync("/api/ingestions", new StringContent(json, Encoding.UTF8, "application/json"));
}
