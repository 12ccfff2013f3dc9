using Amazon.DynamoDBv2.Model;
using Pipeline.Adapters.Aws.DynamoDb;
using Pipeline.Core.Domain;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>The run-store contract on DynamoDB (dynalite on 127.0.0.1), plus what is particular to DynamoDB.</summary>
public sealed class DynamoDbRunStoreTests : RunStoreContractTests<DynamoDbRunStore>
{
    private DynamoDbTestTables? _tables;

    protected override async Task<DynamoDbRunStore> CreateRunStoreAsync()
    {
        _tables ??= await DynamoDbTestTables.CreateAsync();
        var store = new DynamoDbRunStore(_tables.Client, _tables.Options);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    protected override void BoundEventLog(DynamoDbRunStore store, int maxInfoAndWarningEvents) => store.MaxInfoAndWarningEvents = maxInfoAndWarningEvents;

    public override async Task DisposeAsync()
    {
        if (_tables is not null) await _tables.DisposeAsync();
    }

    [Fact]
    public async Task A_lock_left_behind_by_an_ended_run_is_taken_over()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);
        Assert.True(await store.EndAsync("run-1", RunStatus.Failed, "host died", T0, CancellationToken.None));
        // As if the lock release after the end had been lost.
        await _tables!.Client.PutItemAsync(new PutItemRequest
        {
            TableName = _tables.Options.RunsTable,
            Item = new()
            {
                ["pk"] = new AttributeValue { S = "active#dummyjson" },
                ["sk"] = new AttributeValue { S = "lock" },
                ["runId"] = new AttributeValue { S = "run-1" },
            },
        });

        var (run, created) = await store.TryCreateRunAsync(NewRun("run-2", createdAt: T0.AddMinutes(1)), CancellationToken.None);
        var (refused, again) = await store.TryCreateRunAsync(NewRun("run-3", createdAt: T0.AddMinutes(2)), CancellationToken.None);

        Assert.True(created);
        Assert.Equal("run-2", run.RunId);
        Assert.False(again);
        Assert.Equal("run-2", refused.RunId);
    }

    [Fact]
    public async Task Counters_are_numbers_named_after_the_counter()
    {
        var store = await CreateRunStoreAsync();
        await store.TryCreateRunAsync(NewRun("run-1"), CancellationToken.None);
        await store.IncrementAsync("run-1", [new CounterDelta(Counter.PagesFetched, 3), new CounterDelta(Counter.PagesFetched, 2)], CancellationToken.None);

        var item = (await _tables!.Client.GetItemAsync(new GetItemRequest
        {
            TableName = _tables.Options.RunsTable,
            Key = new() { ["pk"] = new AttributeValue { S = "run#run-1" }, ["sk"] = new AttributeValue { S = "run" } },
            ConsistentRead = true,
        })).Item;

        Assert.Equal("5", item["pagesFetched"].N);
        Assert.Equal("0", item["pagesTransformed"].N);
        Assert.Equal("queued", item["status"].S);
    }

    [Fact]
    public async Task Increments_for_an_unknown_run_create_nothing()
    {
        var store = await CreateRunStoreAsync();

        await store.IncrementAsync("run-404", [new CounterDelta(Counter.PagesFetched, 1)], CancellationToken.None);

        Assert.Null(await store.GetRunAsync("run-404", CancellationToken.None));
    }
}
