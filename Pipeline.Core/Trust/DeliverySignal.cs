namespace Pipeline.Core.Trust;

/// <summary>Wakes the delivery worker when a delivery was queued in this process (it polls for others' anyway).</summary>
public sealed class DeliverySignal
{
    private readonly SemaphoreSlim _pulse = new(0, 1);

    public void Pulse()
    {
        try
        {
            _pulse.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the worker will look once for everything queued meanwhile.
        }
    }

    /// <summary>Waits for a pulse or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _pulse.WaitAsync(timeout, ct);
}
