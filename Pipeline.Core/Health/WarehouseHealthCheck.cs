using Pipeline.Core.Ports;

namespace Pipeline.Core.Health;

internal sealed class WarehouseHealthCheck(IWarehouse warehouse, IEnumerable<IBackendCondition> conditions)
    : BackendHealthCheck("warehouse", warehouse.ProviderName, conditions)
{
    protected override Task ProbeAsync(CancellationToken ct) => warehouse.PingAsync(ct);
}
