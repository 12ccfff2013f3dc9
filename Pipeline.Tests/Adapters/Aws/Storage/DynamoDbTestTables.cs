using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Pipeline.Adapters.Aws.DynamoDb;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>Store options with a table prefix of their own for one test, on dynalite, and the clean-up afterwards.</summary>
internal sealed class DynamoDbTestTables : IAsyncDisposable
{
    private DynamoDbTestTables(IAmazonDynamoDB client, DynamoDbStoreOptions options)
    {
        Client = client;
        Options = options;
    }

    public IAmazonDynamoDB Client { get; }

    public DynamoDbStoreOptions Options { get; }

    public static async Task<DynamoDbTestTables> CreateAsync()
    {
        await EmulatorEndpoints.RequireDynamoDbAsync();
        var options = new DynamoDbStoreOptions
        {
            TablePrefix = EmulatorEndpoints.UniqueName("t") + "-",
            Region = EmulatorEndpoints.Region,
            ServiceUrl = EmulatorEndpoints.DynamoDbUrl,
            CreateTablesIfMissing = true,
        };
        return new DynamoDbTestTables(EmulatorEndpoints.CreateDynamoDbClient(), options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var table in new[] { Options.ProductsTable, Options.PriceHistoryTable, Options.RejectionsTable, Options.RunsTable })
        {
            try
            {
                await Client.DeleteTableAsync(table);
            }
            catch (ResourceNotFoundException)
            {
            }
        }
        Client.Dispose();
    }
}
