using Microsoft.Extensions.Configuration;
using Pipeline.Core.Security;

namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// The trigger's own check, behind the HTTP API's IAM authorisation, failing closed: when the Web app's keys are
/// configured (<c>Pipeline:Security:ApiKeys:N</c> or <c>Pipeline:Security:ApiKey</c>), the request must carry one in
/// <c>X-Api-Key</c> (compared in constant time over SHA-256 hashes); with none configured it must carry an IAM principal
/// in its request context (<see cref="Events.HttpApiRequestContext.HasIamPrincipal"/>), so that the function invoked some
/// other way (a route without IAM, a function URL, a test event) refuses rather than starts runs for anyone.
/// <c>Pipeline:Security:ApiKeysSecretArn</c> (keys in Secrets Manager) is not read by this build: it is refused rather
/// than silently ignored.
/// </summary>
internal sealed class ApiKeyCheck
{
    public const string HeaderName = "X-Api-Key";
    public const string SecretArnKey = "Pipeline:Security:ApiKeysSecretArn";
    private readonly ApiKeyHashes _hashes;

    public ApiKeyCheck(IConfiguration configuration)
    {
        var section = configuration.GetSection("Pipeline:Security");
        _hashes = new ApiKeyHashes(section.GetSection("ApiKeys").GetChildren().Select(c => c.Value).Append(section["ApiKey"]));
        UnsupportedSecretArn = !string.IsNullOrWhiteSpace(configuration[SecretArnKey]);
    }

    /// <summary>True when keys are expected in a Secrets Manager secret, which this build cannot read.</summary>
    public bool UnsupportedSecretArn { get; }

    public bool Required => _hashes.Count > 0;

    /// <summary>A configured key in <c>X-Api-Key</c>; with none configured, an IAM principal that API Gateway verified.</summary>
    public bool Allows(Events.HttpApiRequest request) =>
        Required ? _hashes.Matches(request.Header(HeaderName)) : request.RequestContext?.HasIamPrincipal == true;
}
