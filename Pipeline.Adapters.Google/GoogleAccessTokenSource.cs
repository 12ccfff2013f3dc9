using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Adapters.Google;

/// <summary>
/// Access tokens from Google.Apis.Auth: the service-account key file in <see cref="BigQueryOptions.CredentialsPath"/>,
/// or application-default credentials when it is empty. Scoped to <see cref="BigQueryOptions.Scope"/>; the credential
/// caches the token and refreshes it before it expires.
/// </summary>
public sealed class GoogleAccessTokenSource : IBigQueryAccessTokenSource
{
    private readonly BigQueryOptions _options;
    private readonly ILogger<GoogleAccessTokenSource> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ITokenAccess? _credential;

    public GoogleAccessTokenSource(IOptions<BigQueryOptions> options, ILogger<GoogleAccessTokenSource> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public async ValueTask<string> GetAccessTokenAsync(CancellationToken ct)
    {
        var credential = _credential ?? await LoadCredentialAsync(ct).ConfigureAwait(false);
        return await credential.GetAccessTokenForRequestAsync(authUri: null, ct).ConfigureAwait(false);
    }

    private async Task<ITokenAccess> LoadCredentialAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_credential is not null) return _credential;
            GoogleCredential credential;
            if (!string.IsNullOrWhiteSpace(_options.CredentialsPath))
            {
                var serviceAccount = await CredentialFactory
                    .FromFileAsync<ServiceAccountCredential>(_options.CredentialsPath, ct).ConfigureAwait(false);
                credential = serviceAccount.ToGoogleCredential();
                _logger.LogInformation("BigQuery credentials: service-account key file for {ServiceAccount}", serviceAccount.Id);
            }
            else
            {
                credential = await GoogleCredential.GetApplicationDefaultAsync(ct).ConfigureAwait(false);
                _logger.LogInformation("BigQuery credentials: application-default credentials");
            }
            _credential = credential.CreateScoped(BigQueryOptions.Scope);
            return _credential;
        }
        finally
        {
            _gate.Release();
        }
    }
}
