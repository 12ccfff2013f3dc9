using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>
/// The trigger fails closed: with no API key configured, only a request whose API Gateway request context names an IAM
/// principal (the AWS_IAM route terraform configures) gets past the check; anything else is a 401, not a run. Events are
/// AWS's own samples, changed in memory.
/// </summary>
public sealed class TriggerFailsClosedTests : IDisposable
{
    private const string UnknownSource = "{\"source\":\"nope\"}"; // past the check: 400; refused by it: 401
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    private async Task<(int Status, JsonElement Body)> InvokeAsync(byte[] httpEvent, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Pipeline:DataDirectory"] = _dataDirectory;
        await using var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            logging => logging.ClearProviders(), EmbeddedAdapters.Add);
        await using var output = await new TriggerIngestionFunction(services).HandleAsync(new MemoryStream(httpEvent));
        var response = (await JsonDocument.ParseAsync(output)).RootElement;
        return (response.GetProperty("statusCode").GetInt32(), JsonDocument.Parse(response.GetProperty("body").GetString()!).RootElement);
    }

    /// <summary>SAM's HTTP API sample for <c>POST /ingestions</c> with its requestContext.authorizer set as given.</summary>
    private static byte[] HttpApiEvent(JsonNode? authorizer)
    {
        var request = JsonNode.Parse(LambdaEvents.HttpPost(UnknownSource, iamSigned: false))!;
        request["requestContext"]!["authorizer"] = authorizer;
        return Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    [Fact]
    public async Task Without_a_key_configured_a_request_with_no_iam_principal_gets_401()
    {
        var withJwtOnly = await InvokeAsync(LambdaEvents.HttpPost(UnknownSource, iamSigned: false)); // the sample's JWT claims
        var withNoAuthorizer = await InvokeAsync(HttpApiEvent(null));
        var withEmptyIam = await InvokeAsync(HttpApiEvent(new JsonObject { ["iam"] = new JsonObject { ["userArn"] = "", ["userId"] = " " } }));

        Assert.Equal(401, withJwtOnly.Status);
        Assert.Equal(401, withNoAuthorizer.Status);
        Assert.Equal(401, withEmptyIam.Status);
        Assert.Contains("IAM", withJwtOnly.Body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Without_a_key_configured_an_iam_principal_from_the_aws_iam_route_gets_through()
    {
        var signed = await InvokeAsync(LambdaEvents.HttpPost(UnknownSource));
        var byUserIdOnly = await InvokeAsync(HttpApiEvent(new JsonObject { ["iam"] = new JsonObject { ["userId"] = "AIDACKCEVSQ6C2EXAMPLE" } }));

        Assert.Equal(400, signed.Status);
        Assert.True(signed.Body.GetProperty("errors").TryGetProperty("source", out _), signed.Body.ToString());
        Assert.Equal(400, byUserIdOnly.Status);
    }

    [Fact]
    public async Task A_key_a_client_sends_is_no_substitute_for_iam_when_none_is_configured()
    {
        var withKey = await InvokeAsync(LambdaEvents.HttpPost(UnknownSource, new Dictionary<string, string> { ["x-api-key"] = "anything" }, iamSigned: false));

        Assert.Equal(401, withKey.Status);
    }

    [Fact]
    public async Task A_rest_api_sample_event_is_judged_by_its_requestContext_identity()
    {
        // proxy-event.json (payload 1.0) names its caller in requestContext.identity.userArn and .caller.
        var rest = JsonNode.Parse(SharedFixtures.ReadText("lambda-events", "proxy-event.json"))!;
        rest["body"] = UnknownSource;
        rest["isBase64Encoded"] = false;
        var anonymous = rest.DeepClone();
        anonymous["requestContext"]!["identity"]!["userArn"] = null;
        anonymous["requestContext"]!["identity"]!["caller"] = null;

        Assert.Equal(400, (await InvokeAsync(Encoding.UTF8.GetBytes(rest.ToJsonString()))).Status);
        Assert.Equal(401, (await InvokeAsync(Encoding.UTF8.GetBytes(anonymous.ToJsonString()))).Status);
    }

    [Fact]
    public async Task With_keys_configured_the_key_decides_and_a_principal_alone_is_not_enough()
    {
        var settings = () => new Dictionary<string, string?> { ["Pipeline:Security:ApiKeys:0"] = "the-key" };

        Assert.Equal(401, (await InvokeAsync(LambdaEvents.HttpPost(UnknownSource), settings())).Status);
        Assert.Equal(400, (await InvokeAsync(LambdaEvents.HttpPost(UnknownSource, new Dictionary<string, string> { ["x-api-key"] = "the-key" }), settings())).Status);
    }

    [Fact]
    public async Task Refusal_comes_before_the_body_is_read()
    {
        var request = JsonNode.Parse(LambdaEvents.HttpPost("", iamSigned: false))!;
        request["body"] = "{not json";
        request["isBase64Encoded"] = false;

        var (status, body) = await InvokeAsync(Encoding.UTF8.GetBytes(request.ToJsonString()));

        Assert.Equal(401, status);
        Assert.Equal("Unauthorized.", body.GetProperty("title").GetString());
    }
}
