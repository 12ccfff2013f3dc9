using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>The session store contract on DynamoDB (dynalite on 127.0.0.1), in the runs table.</summary>
public sealed class DynamoDbSessionStoreContractTests : SessionStoreContractTests<DynamoDbRunStore>
{
    private DynamoDbTestTables? _tables;

    protected override async Task<DynamoDbRunStore> CreateStoreAsync()
    {
        _tables ??= await DynamoDbTestTables.CreateAsync();
        var store = new DynamoDbRunStore(_tables.Client, _tables.Options);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    public override async Task DisposeAsync()
    {
        if (_tables is not null) await _tables.DisposeAsync();
    }
}
