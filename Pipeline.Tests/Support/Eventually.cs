namespace Pipeline.Tests.Support;

/// <summary>
/// Waits for a condition the system under test reaches on its own (a run ending, a refresh finishing), checking it
/// on a timer and failing with the last observed state at the deadline. Not a retry of an assertion.
/// </summary>
public static class Eventually
{
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        T last = await probe();
        while (!done(last))
        {
            try
            {
                await timer.WaitForNextTickAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; last state: {last}");
            }
            last = await probe();
        }
        return last;
    }
}
