namespace Pipeline.Lambdas.Hosting;

/// <summary>
/// Makes the backends a function uses ready once per container (tables and folders of the embedded backends; on AWS
/// the adapters only check, or create when configured to). A failed attempt is not remembered: the next invocation
/// tries again.
/// </summary>
internal sealed class BackendReadiness(Func<IServiceProvider, CancellationToken, Task> ensure)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    public async Task EnsureAsync(IServiceProvider services, CancellationToken ct)
    {
        if (_ready) return;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_ready) return;
            await ensure(services, ct).ConfigureAwait(false);
            _ready = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
