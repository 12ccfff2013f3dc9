using Pipeline.Adapters.Local;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>The session store contract on SQLite (the same tests run against dynalite).</summary>
public sealed class SqliteSessionStoreContractTests : SessionStoreContractTests<SqliteRunStore>, IDisposable
{
    private readonly TempFolder _dir = new();

    protected override async Task<SqliteRunStore> CreateStoreAsync()
    {
        var store = new SqliteRunStore(new SqliteDatabase(Path.Combine(_dir.Path, $"{Guid.NewGuid():N}.db")));
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    public void Dispose() => _dir.Dispose();
}
