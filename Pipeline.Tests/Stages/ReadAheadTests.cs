using Pipeline.Core.Stages;

namespace Pipeline.Tests.Stages;

/// <summary>
/// The read-ahead the warehouse refresh puts between the store's scans and the warehouse's appends: every item once,
/// in order; a bounded number waiting; the source's errors reach the consumer; a consumer that stops early stops
/// and disposes the source.
/// </summary>
public sealed class ReadAheadTests
{
    /// <summary>A source that counts what it produced and records when it was disposed.</summary>
    private sealed class CountingSource(int count, Exception? failAfter = null)
    {
        private int _produced;
        public int Produced => Volatile.Read(ref _produced);
        public bool Disposed { get; private set; }

        public async IAsyncEnumerable<int> Items([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    Interlocked.Increment(ref _produced);
                    yield return i;
                    if (i % 100 == 0) await Task.Yield();
                }
                if (failAfter is not null) throw failAfter;
            }
            finally
            {
                Disposed = true;
            }
        }
    }

    [Fact]
    public async Task Every_item_arrives_once_in_order_and_no_more_than_the_bound_waits()
    {
        var source = new CountingSource(10_001);
        const int batchSize = 7, batches = 3;
        var received = new List<int>();
        var mostAhead = 0;
        await foreach (var item in source.Items().Buffered(batchSize, batches))
        {
            received.Add(item);
            mostAhead = Math.Max(mostAhead, source.Produced - received.Count);
        }

        Assert.Equal(Enumerable.Range(0, 10_001), received);
        // Waiting in the channel (batches), being filled (one), and the one the consumer is reading.
        Assert.InRange(mostAhead, 0, batchSize * (batches + 2));
        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task An_error_of_the_source_reaches_the_consumer_with_its_message()
    {
        var source = new CountingSource(1_000, new InvalidOperationException("the store went away"));
        var received = 0;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in source.Items().Buffered(batchSize: 100)) received++;
        });

        Assert.Equal("the store went away", error.Message);
        Assert.Equal(1_000, received);
    }

    [Fact]
    public async Task A_consumer_that_stops_early_stops_the_source_and_disposes_it_before_going_on()
    {
        var source = new CountingSource(1_000_000);
        await foreach (var item in source.Items().Buffered(batchSize: 10, batches: 2))
            if (item == 25) break;

        // The enumerator's disposal waited for the producer, which was stopped and disposed the source.
        Assert.True(source.Disposed);
        Assert.InRange(source.Produced, 26, 26 + 10 * 4);
    }

    [Fact]
    public async Task Cancelling_the_consumer_cancels_the_reading()
    {
        var source = new CountingSource(1_000_000);
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in source.Items().Buffered(batchSize: 10, ct: cts.Token))
                if (item == 50) await cts.CancelAsync();
        });
        Assert.True(source.Disposed);
    }
}
