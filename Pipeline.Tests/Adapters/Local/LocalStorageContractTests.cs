using Microsoft.Data.Sqlite;
using Pipeline.Adapters.Local;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>A fresh temp folder per test class instance, removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

/// <summary>The raw-zone contract on the folder adapter (the same tests run against s3rver).</summary>
public class FolderRawZoneContractTests : RawZoneContractTests, IDisposable
{
    private readonly TempFolder _dir = new();

    /// <summary>Where the zone under test writes metadata.</summary>
    protected virtual RawMetadataPlacement Placement => RawMetadataPlacement.Auto;

    protected override async Task<IRawZone> CreateRawZoneAsync()
    {
        var zone = new FolderRawZone(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")), Placement);
        await zone.EnsureCreatedAsync(CancellationToken.None);
        return zone;
    }

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same contract with the metadata in side files (file systems without extended attributes).</summary>
public sealed class FolderRawZoneSidecarContractTests : FolderRawZoneContractTests
{
    protected override RawMetadataPlacement Placement => RawMetadataPlacement.Sidecar;
}

/// <summary>The product-store contract on SQLite (the same tests run against dynalite).</summary>
public sealed class SqliteProductStoreContractTests : ProductStoreContractTests, IDisposable
{
    private readonly TempFolder _dir = new();

    protected override async Task<IProductStore> CreateStoreAsync()
    {
        var store = new SqliteProductStore(new SqliteDatabase(Path.Combine(_dir.Path, $"{Guid.NewGuid():N}.db")));
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>The run-store contract on SQLite (the same tests run against dynalite).</summary>
public sealed class SqliteRunStoreContractTests : RunStoreContractTests<SqliteRunStore>, IDisposable
{
    private readonly TempFolder _dir = new();

    protected override async Task<SqliteRunStore> CreateRunStoreAsync()
    {
        var store = new SqliteRunStore(new SqliteDatabase(Path.Combine(_dir.Path, $"{Guid.NewGuid():N}.db")));
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    protected override void BoundEventLog(SqliteRunStore store, int maxInfoAndWarningEvents) => store.MaxInfoAndWarningEvents = maxInfoAndWarningEvents;

    public void Dispose() => _dir.Dispose();
}
