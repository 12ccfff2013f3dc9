using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Pipeline.Core.Stages;

/// <summary>
/// Reading a sequence ahead of its consumer on another task, so that producing the items (a store's scan) and
/// consuming them (the warehouse's appends) overlap instead of taking turns. Bounded: at most
/// <c>batches × batchSize</c> items wait, whatever the sequence's length.
/// </summary>
public static class ReadAhead
{
    /// <summary>
    /// The items of <paramref name="source"/> in their order, read ahead in batches of <paramref name="batchSize"/>
    /// with at most <paramref name="batches"/> batches waiting. An error of the source ends the sequence with that
    /// error (the items of the batch being filled when it happened are not handed over); when the consumer stops early
    /// (an error of its own, cancellation, or simply stopping), the source is cancelled and disposed before the
    /// enumerator's disposal returns.
    /// </summary>
    public static async IAsyncEnumerable<T> Buffered<T>(
        this IAsyncEnumerable<T> source, int batchSize = 512, int batches = 8, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        var channel = Channel.CreateBounded<List<T>>(new BoundedChannelOptions(batches) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(() => ProduceAsync(source, channel.Writer, batchSize, stop.Token), CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var batch))
                    foreach (var item in batch)
                        yield return item;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    /// <summary>Reads the source into the channel; completes it with the source's error, if any (never throws).</summary>
    private static async Task ProduceAsync<T>(IAsyncEnumerable<T> source, ChannelWriter<List<T>> writer, int batchSize, CancellationToken ct)
    {
        try
        {
            var batch = new List<T>(batchSize);
            await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false))
            {
                batch.Add(item);
                if (batch.Count < batchSize) continue;
                await writer.WriteAsync(batch, ct).ConfigureAwait(false);
                batch = new List<T>(batchSize);
            }
            if (batch.Count > 0) await writer.WriteAsync(batch, ct).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }
}
