using Pipeline.Web.Hosting;

namespace Pipeline.Web.Security;

/// <summary>Builds the secret holders at start, so a missing secret fails the start and development secrets print at once.</summary>
internal sealed class SecretsCheck(ApiKeyVerifier apiKeys, AdminCredentials admin, ILogger<SecretsCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Security: API key check ready; dashboard password sign-in {State} for user {User}",
            admin.Enabled ? "on" : "off", admin.UserName);
        GC.KeepAlive(apiKeys);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
