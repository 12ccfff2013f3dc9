using Pipeline.Core.Ports;

namespace Pipeline.Core.Health;

internal sealed class RawZoneHealthCheck(IRawZone rawZone, IEnumerable<IBackendCondition> conditions)
    : BackendHealthCheck("rawZone", rawZone.ProviderName, conditions)
{
    protected override Task ProbeAsync(CancellationToken ct) => rawZone.ProbeAsync(ct);
}
