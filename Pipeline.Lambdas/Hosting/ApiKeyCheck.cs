using Microsoft.Extensions.Configuration;
using Pipeline.Core.Security;

namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// The trigger's own check, behind the HTTP API's IAM authorisation, failing closed: when the Web app's keys are
/// configured (<c>Pipeline:Security:ApiKeys:N</c> or <c>Pipeline:Security:ApiKey</c>) or an SSM parameter holds them
/// (<c>Pipeline:Security:ApiKeysParameter</c>, see <see cref="ApiKeyParameter"/>), the request must carry one in
/// <c>X-Api-Key</c> (compared in constant time over SHA-256 hashes); with none configured it must carry an IAM principal
/// in its request context (<see cref="Events.HttpApiRequestContext.HasIamPrincipal"/>), so that the function invoked some
/// other way (a route without IAM, a function URL, a test event) refuses rather than starts runs for anyone. While the
/// parameter cannot be read every request is refused (<see cref="Verdict.KeysUnavailable"/>), whatever it carries.
/// <c>Pipeline:Security:ApiKeysSecretArn</c> (keys in Secrets Manager) is not read by this build: it is refused rather
/// than silently ignored.
/// </summary>
internal sealed class ApiKeyCheck
{
    public const string HeaderName = "X-Api-Key";
    public const string SecretArnKey = "Pipeline:Security:ApiKeysSecretArn";
    public const string ParameterKey = "Pipeline:Security:ApiKeysParameter";
    public const string ParameterCacheTtlKey = "Pipeline:Security:ApiKeysParameterCacheTtl";
    private readonly ApiKeyHashes _hashes;
    private readonly ApiKeyParameter? _parameter;

    public enum Verdict { Allowed, Refused, KeysUnavailable }

    public ApiKeyCheck(IConfiguration configuration, ApiKeyParameter? parameter = null)
    {
        var section = configuration.GetSection("Pipeline:Security");
        _hashes = new ApiKeyHashes(section.GetSection("ApiKeys").GetChildren().Select(c => c.Value).Append(section["ApiKey"]));
        UnsupportedSecretArn = !string.IsNullOrWhiteSpace(configuration[SecretArnKey]);
        if (!string.IsNullOrWhiteSpace(configuration[ParameterKey]) && parameter is null)
            throw new InvalidOperationException($"{ParameterKey} is set but no SSM client was composed to read it.");
        _parameter = parameter;
    }

    /// <summary>True when keys are expected in a Secrets Manager secret, which this build cannot read.</summary>
    public bool UnsupportedSecretArn { get; }

    public bool Required => _hashes.Count > 0 || _parameter is not null;

    /// <summary>
    /// A configured key (from the environment or the parameter) in <c>X-Api-Key</c>; with none configured, an IAM
    /// principal that API Gateway verified; <see cref="Verdict.KeysUnavailable"/> while the parameter cannot be read.
    /// </summary>
    public async Task<Verdict> CheckAsync(Events.HttpApiRequest request, CancellationToken ct)
    {
        if (!Required) return request.RequestContext?.HasIamPrincipal == true ? Verdict.Allowed : Verdict.Refused;
        if (_parameter is null) return _hashes.Matches(request.Header(HeaderName)) ? Verdict.Allowed : Verdict.Refused;
        var fromParameter = await _parameter.GetAsync(ct).ConfigureAwait(false);
        if (fromParameter is null) return Verdict.KeysUnavailable;
        var presented = request.Header(HeaderName);
        return fromParameter.Matches(presented) | _hashes.Matches(presented) ? Verdict.Allowed : Verdict.Refused;
    }
}
