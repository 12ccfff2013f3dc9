using Pipeline.Core.Ports;

namespace Pipeline.Runtime;

/// <summary>Creates every backend's tables, folders and streams before the workers start.</summary>
public sealed class BackendInitializer(IEventStream stream, IRawZone rawZone, IProductStore store, IRunStore runs, IWarehouse warehouse)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await stream.EnsureCreatedAsync(cancellationToken);
        await rawZone.EnsureCreatedAsync(cancellationToken);
        await store.EnsureCreatedAsync(cancellationToken);
        await runs.EnsureCreatedAsync(cancellationToken);
        await warehouse.EnsureSchemaAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
