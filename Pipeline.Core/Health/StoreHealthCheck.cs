using Pipeline.Core.Ports;

namespace Pipeline.Core.Health;

internal sealed class StoreHealthCheck(IRunStore runs, IEnumerable<IBackendCondition> conditions)
    : BackendHealthCheck("store", runs.ProviderName, conditions)
{
    protected override Task ProbeAsync(CancellationToken ct) => runs.ListRunsAsync(1, ct);
}
