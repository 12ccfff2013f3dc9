using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>The trigger's optional key check, with the Web app's configuration keys.</summary>
public sealed class TriggerApiKeyTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    private async Task<int> StatusAsync(Dictionary<string, string?> settings, Dictionary<string, string>? headers)
    {
        settings["Pipeline:DataDirectory"] = _dataDirectory;
        await using var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            logging => logging.ClearProviders(), EmbeddedAdapters.Add);
        var function = new TriggerIngestionFunction(services);
        await using var output = await function.HandleAsync(new MemoryStream(LambdaEvents.HttpPost("{\"source\":\"nope\"}", headers)));
        return (await JsonDocument.ParseAsync(output)).RootElement.GetProperty("statusCode").GetInt32();
    }

    [Fact]
    public async Task Configured_keys_are_required_in_x_api_key()
    {
        var settings = () => new Dictionary<string, string?> { ["Pipeline:Security:ApiKeys:0"] = "old-key", ["Pipeline:Security:ApiKeys:1"] = "new-key" };

        Assert.Equal(401, await StatusAsync(settings(), null));
        Assert.Equal(401, await StatusAsync(settings(), new() { ["x-api-key"] = "wrong" }));
        Assert.Equal(400, await StatusAsync(settings(), new() { ["x-api-key"] = "new-key" })); // past the check: unknown source
        Assert.Equal(400, await StatusAsync(new Dictionary<string, string?>(), null)); // no keys configured: IAM alone
    }

    [Fact]
    public async Task A_secret_arn_this_build_cannot_read_is_refused_not_ignored()
    {
        var settings = new Dictionary<string, string?> { ["Pipeline:Security:ApiKeysSecretArn"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys" };

        Assert.Equal(500, await StatusAsync(settings, new() { ["x-api-key"] = "anything" }));
    }
}
