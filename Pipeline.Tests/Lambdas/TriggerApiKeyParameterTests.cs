using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Adapters.Local;
using Pipeline.Tests.Adapters.Local;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>
/// The trigger reading its API keys from an SSM SecureString (<c>Pipeline:Security:ApiKeysParameter</c>) through the
/// official SDK (AWSSDK.SimpleSystemsManagement) against a local server in SSM's JSON 1.1 protocol: the key is taken,
/// cached for a bounded time and read again after it; a missing parameter, an empty one, or throttling beyond the SDK's
/// retries refuse every request (503, an error logged), never accept.
/// </summary>
public sealed class TriggerApiKeyParameterTests : IAsyncLifetime
{
    private const string Parameter = "/pipeline/test/api-keys";
    private const string UnknownSource = "{\"source\":\"nope\"}"; // past the check: 400; refused by it: 401 or 503
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));
    private readonly ListLoggerProvider _logs = new();
    private readonly ManualClock _clock = new();
    private SsmParameterServer _ssm = null!;
    private ServiceProvider _services = null!;
    private TriggerIngestionFunction _function = null!;

    public async Task InitializeAsync()
    {
        _ssm = await SsmParameterServer.StartAsync();
        _services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = _dataDirectory,
            [ApiKeyCheck.ParameterKey] = Parameter,
            [ApiKeyCheck.ParameterCacheTtlKey] = "00:01:00",
        }).Build(), logging => logging.ClearProviders().AddProvider(_logs), (services, configuration) =>
        {
            services.AddLocalAdapters(configuration);
            services.AddSingleton<TimeProvider>(_clock);
            services.AddSingleton<IAmazonSimpleSystemsManagement>(new AmazonSimpleSystemsManagementClient(new BasicAWSCredentials("test", "test"),
                new AmazonSimpleSystemsManagementConfig { ServiceURL = _ssm.Address.ToString(), AuthenticationRegion = "us-east-1" }));
        });
        _function = new TriggerIngestionFunction(_services);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _ssm.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    private async Task<int> StatusAsync(string? key)
    {
        var headers = key is null ? null : new Dictionary<string, string> { ["x-api-key"] = key };
        await using var output = await _function.HandleAsync(new MemoryStream(LambdaEvents.HttpPost(UnknownSource, headers)));
        return (await JsonDocument.ParseAsync(output)).RootElement.GetProperty("statusCode").GetInt32();
    }

    private IEnumerable<string> Errors => _logs.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message);

    [Fact]
    public async Task The_key_in_the_parameter_is_required_and_read_once_per_cache_period_with_decryption()
    {
        _ssm.Put(Parameter, "old-key\nnew-key");

        Assert.Equal(400, await StatusAsync("new-key")); // past the check: unknown source
        Assert.Equal(400, await StatusAsync("old-key"));
        Assert.Equal(401, await StatusAsync("wrong"));
        Assert.Equal(401, await StatusAsync(null));

        var request = Assert.Single(_ssm.Requests);
        Assert.Equal("AmazonSSM.GetParameter", request.Target);
        Assert.StartsWith("application/x-amz-json-1.1", request.ContentType);
        Assert.Equal(Parameter, request.Name);
        Assert.True(request.WithDecryption);
    }

    [Fact]
    public async Task A_rotated_key_is_taken_up_when_the_cache_period_ends()
    {
        _ssm.Put(Parameter, "old-key");
        Assert.Equal(400, await StatusAsync("old-key"));
        _ssm.Put(Parameter, "new-key");

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(400, await StatusAsync("old-key")); // still cached
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(401, await StatusAsync("old-key"));
        Assert.Equal(400, await StatusAsync("new-key"));
        Assert.Equal(2, _ssm.Requests.Count);
    }

    [Fact]
    public async Task The_parameter_may_hold_a_keys_sha256_instead_of_the_key()
    {
        _ssm.Put(Parameter, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("hashed-key"))));

        Assert.Equal(400, await StatusAsync("hashed-key"));
        Assert.Equal(401, await StatusAsync("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("hashed-key")))));
    }

    [Fact]
    public async Task A_missing_parameter_refuses_every_request_with_a_logged_error_until_it_exists()
    {
        Assert.Equal(503, await StatusAsync("any-key"));
        Assert.Equal(503, await StatusAsync(null));
        Assert.Contains(Errors, m => m.Contains(Parameter) && m.Contains("does not exist"));

        _ssm.Put(Parameter, "the-key"); // a failure is not cached: the next request reads again
        Assert.Equal(400, await StatusAsync("the-key"));
    }

    [Fact]
    public async Task An_empty_parameter_refuses_every_request()
    {
        _ssm.Put(Parameter, " \n , ");

        Assert.Equal(503, await StatusAsync(" "));
        Assert.Contains(Errors, m => m.Contains(Parameter) && m.Contains("holds no API key"));
    }

    [Fact]
    public async Task Throttling_the_sdk_retries_through_is_not_noticed()
    {
        _ssm.Put(Parameter, "the-key");
        _ssm.ThrottleNext(2);

        Assert.Equal(400, await StatusAsync("the-key"));
        Assert.Equal(3, _ssm.Requests.Count); // two throttled, the SDK's retry answered
        Assert.Empty(Errors);
    }

    [Fact]
    public async Task Throttling_beyond_the_sdks_retries_fails_closed()
    {
        _ssm.Put(Parameter, "the-key");
        _ssm.ThrottleNext(int.MaxValue);

        Assert.Equal(503, await StatusAsync("the-key"));
        Assert.True(_ssm.Requests.Count > 1, $"the SDK tried {_ssm.Requests.Count} times");
        Assert.Contains(Errors, m => m.Contains(Parameter) && m.Contains("ThrottlingException"));
    }
}
