using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Health;

/// <summary>
/// One port's health: the adapter answers a cheap call within 5 s (unhealthy otherwise), and no registered
/// <see cref="IBackendCondition"/> of this check reports a degradation.
/// </summary>
internal abstract class BackendHealthCheck(string check, string provider, IEnumerable<IBackendCondition> conditions) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["provider"] = provider };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await ProbeAsync(timeout.Token).ConfigureAwait(false);
            var degradation = conditions.Where(c => c.Check == check).Select(c => c.Degradation()).FirstOrDefault(d => d is not null);
            return degradation is null
                ? HealthCheckResult.Healthy(provider, data)
                : HealthCheckResult.Degraded($"{provider}: {degradation}", null, data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The message is for callers /health trusts with details (signed in or keyed); anonymous callers see the status only.
            return HealthCheckResult.Unhealthy($"{provider}: {ex.Message}", ex, data);
        }
    }

    protected abstract Task ProbeAsync(CancellationToken ct);
}
