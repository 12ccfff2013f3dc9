using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Security;

/// <summary>
/// <c>/health</c> stays open but tells an anonymous caller only each check's status; the provider and the description
/// (a degradation, a backend's error message) are for a signed-in user or a caller with a valid API key.
/// </summary>
public sealed class HealthExposureTests : IClassFixture<HealthExposureTests.App>
{
    private const string Secret = "Permission denied: /srv/private/pipeline/raw";

    /// <summary>The Web host with a raw zone whose probe fails with a message naming a server path.</summary>
    public sealed class App : IAsyncDisposable
    {
        private static readonly string DataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

        public PipelineAppFactory Factory { get; } = new(dataDirectory: DataDirectory)
        {
            ConfigureServices = services =>
                services.AddSingleton<IRawZone>(new UnreadableRawZone(new FolderRawZone(Path.Combine(DataDirectory, "rawzone")))),
        };

        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }

    /// <summary>The folder raw zone, except that its health probe fails as an unreadable folder would.</summary>
    private sealed class UnreadableRawZone(FolderRawZone inner) : IRawZone
    {
        public string ProviderName => inner.ProviderName;
        public Task EnsureCreatedAsync(CancellationToken ct) => inner.EnsureCreatedAsync(ct);
        public Task PutAsync(string key, ReadOnlyMemory<byte> bytes, RawObjectMetadata metadata, CancellationToken ct) => inner.PutAsync(key, bytes, metadata, ct);
        public Task<RawObject?> GetAsync(string key, CancellationToken ct) => inner.GetAsync(key, ct);
        public Task<RawObjectMetadata?> HeadAsync(string key, CancellationToken ct) => inner.HeadAsync(key, ct);
        public Task<RawListing> ListAsync(string prefix, int limit, string? pageToken, CancellationToken ct) => inner.ListAsync(prefix, limit, pageToken, ct);
        public Task ProbeAsync(CancellationToken ct) => throw new UnauthorizedAccessException(Secret);
    }

    private readonly App _app;

    public HealthExposureTests(App app) => _app = app;

    private static async Task<(int Status, string Text, JsonElement Body)> HealthAsync(HttpClient client, string path = "/health")
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text, JsonDocument.Parse(text).RootElement);
    }

    private static void AssertStatusOnly(JsonElement body, string text)
    {
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.Equal(["status", "checks"], body.EnumerateObject().Select(p => p.Name));
        foreach (var check in body.GetProperty("checks").EnumerateObject())
        {
            Assert.Equal(["status"], check.Value.EnumerateObject().Select(p => p.Name));
            Assert.Contains(check.Value.GetProperty("status").GetString(), new[] { "Healthy", "Degraded", "Unhealthy" });
        }
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("rawZone").GetProperty("status").GetString());
        Assert.DoesNotContain("/srv/private", text);
        Assert.DoesNotContain("Permission denied", text);
        Assert.DoesNotContain("Local", text);
    }

    private static void AssertDetails(JsonElement body)
    {
        var rawZone = body.GetProperty("checks").GetProperty("rawZone");
        Assert.Equal("Unhealthy", rawZone.GetProperty("status").GetString());
        Assert.Equal("Local", rawZone.GetProperty("provider").GetString());
        Assert.Equal($"Local: {Secret}", rawZone.GetProperty("description").GetString());
        Assert.Equal("DuckDb", body.GetProperty("checks").GetProperty("warehouse").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Live_answers_while_a_backend_fails_and_ready_does_not_both_without_a_key()
    {
        using var anonymous = _app.Factory.CreateClient();
        var (liveStatus, _, live) = await HealthAsync(anonymous, "/health/live");
        Assert.Equal((200, "Healthy", 0), (liveStatus, live.GetProperty("status").GetString(), live.GetProperty("checks").EnumerateObject().Count()));

        var (readyStatus, text, ready) = await HealthAsync(anonymous, "/health/ready");
        Assert.Equal(503, readyStatus);
        AssertStatusOnly(ready, text);
        Assert.Equal(["stream", "rawZone", "store", "warehouse"], ready.GetProperty("checks").EnumerateObject().Select(c => c.Name));
    }

    [Fact]
    public async Task Anonymous_callers_get_each_checks_status_and_nothing_else()
    {
        using var client = _app.Factory.CreateClient();

        var (status, text, body) = await HealthAsync(client);

        Assert.Equal(503, status); // open: no 401, the status code tells an orchestrator what it needs
        AssertStatusOnly(body, text);
    }

    [Theory]
    [InlineData("X-Api-Key", "wrong-key")]
    [InlineData("Authorization", "Bearer wrong-key")]
    [InlineData("Authorization", "Basic " + PipelineAppFactory.ApiKey)]
    [InlineData("Cookie", "pipeline.auth=forged")]
    public async Task A_wrong_key_or_a_forged_session_is_anonymous(string header, string value)
    {
        using var client = _app.Factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);

        var (_, text, body) = await HealthAsync(client);

        AssertStatusOnly(body, text);
    }

    [Fact]
    public async Task A_valid_key_in_x_api_key_gets_providers_and_descriptions()
    {
        using var client = _app.Factory.CreateApiClient();

        AssertDetails((await HealthAsync(client)).Body);
    }

    [Fact]
    public async Task A_valid_key_as_a_bearer_token_gets_providers_and_descriptions()
    {
        using var client = _app.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PipelineAppFactory.ApiKey);

        AssertDetails((await HealthAsync(client)).Body);
    }

    [Fact]
    public async Task A_signed_in_dashboard_user_gets_providers_and_descriptions()
    {
        using var client = await _app.Factory.CreateSignedInClientAsync();

        AssertDetails((await HealthAsync(client)).Body);
    }

    [Fact]
    public async Task The_answer_is_not_cached()
    {
        using var client = _app.Factory.CreateApiClient();

        using var response = await client.GetAsync("/health");

        Assert.True(response.Headers.CacheControl?.NoStore, "a detailed answer must not be kept by a shared cache");
    }
}
