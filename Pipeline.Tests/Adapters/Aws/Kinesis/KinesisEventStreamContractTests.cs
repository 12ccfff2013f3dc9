using Pipeline.Core.Ports;
using Pipeline.Tests.Adapters.Aws.Kinesis.Support;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Aws.Kinesis;

/// <summary>The event-stream contract against a real Kinesis API server (kinesalite), 4 shards per stream.</summary>
public sealed class KinesisEventStreamContractTests(KinesaliteFixture fixture)
    : EventStreamContractTests, IClassFixture<KinesaliteFixture>, IAsyncLifetime
{
    private readonly List<KinesisHarness> _harnesses = [];

    protected override async Task<IEventStream> CreateStreamAsync(string name)
    {
        var harness = fixture.Harness(fixture.Options(name, shardCount: 4));
        _harnesses.Add(harness);
        await harness.Stream.EnsureCreatedAsync(CancellationToken.None);
        return harness.Stream;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var harness in _harnesses) await harness.DisposeAsync();
    }
}
