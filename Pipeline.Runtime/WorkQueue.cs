using System.Threading.Channels;

namespace Pipeline.Runtime;

/// <summary>A bounded in-process queue of ids (runs to plan, refreshes to execute, raw keys to transform).</summary>
public abstract class WorkQueue<T>(int capacity)
{
    private readonly Channel<T> _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });

    private int _pending;

    /// <summary>Items waiting or in flight.</summary>
    public int Pending => Volatile.Read(ref _pending);

    public async ValueTask EnqueueAsync(T item, CancellationToken ct)
    {
        Interlocked.Increment(ref _pending);
        await _channel.Writer.WriteAsync(item, ct).ConfigureAwait(false);
    }

    public IAsyncEnumerable<T> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);

    public void MarkDone() => Interlocked.Decrement(ref _pending);
}
