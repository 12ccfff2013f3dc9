using Pipeline.Adapters.Local;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>The stream contract on the embedded SQLite log (the same tests run against kinesalite).</summary>
public sealed class LocalEventStreamContractTests : EventStreamContractTests, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    protected override async Task<IEventStream> CreateStreamAsync(string name)
    {
        var stream = new LocalEventStream(Path.Combine(_dir, $"{name}.db"), shardCount: 4, TimeSpan.FromHours(24), TimeProvider.System);
        await stream.EnsureCreatedAsync(CancellationToken.None);
        return stream;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
