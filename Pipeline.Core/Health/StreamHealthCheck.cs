using Pipeline.Core.Ports;

namespace Pipeline.Core.Health;

internal sealed class StreamHealthCheck(IEventStream stream, IEnumerable<IBackendCondition> conditions)
    : BackendHealthCheck("stream", stream.ProviderName, conditions)
{
    protected override Task ProbeAsync(CancellationToken ct) => stream.ListShardsAsync(ct);
}
