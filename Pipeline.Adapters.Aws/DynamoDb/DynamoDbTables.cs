using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// The table definitions of the DynamoDB stores (docs/dynamodb-design.md) and a create-if-missing that waits until
/// every table and index is ACTIVE. Tables are PAY_PER_REQUEST.
/// </summary>
public static class DynamoDbTables
{
    /// <summary>Index names on the products table: &lt;partition&gt;-&lt;order&gt;.</summary>
    public static class ProductIndexes
    {
        public const string CategoryPrice = "category-price";
        public const string CategoryTitle = "category-title";
        public const string SourcePrice = "source-price";
        public const string SourceTitle = "source-title";
        public const string AllPrice = "all-price";
        public const string AllTitle = "all-title";
    }

    /// <summary>Newest-first index on the rejections (GSI across runs, LSI within a run) and on runs/refreshes.</summary>
    public const string RecentIndex = "recent";
    public const string RunRecentIndex = "run-recent";

    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The tables of <see cref="DynamoDbProductStore"/>: products, price-history, rejections.</summary>
    public static IReadOnlyList<CreateTableRequest> ProductStoreTables(DynamoDbStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [ProductsTable(options.ProductsTable), PriceHistoryTable(options.PriceHistoryTable), RejectionsTable(options.RejectionsTable)];
    }

    /// <summary>The table of <see cref="DynamoDbRunStore"/>: runs (runs, idempotency markers, locks, checkpoints, refreshes).</summary>
    public static IReadOnlyList<CreateTableRequest> RunStoreTables(DynamoDbStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [RunsTable(options.RunsTable)];
    }

    /// <summary>Creates all four tables when missing and waits until they are ACTIVE.</summary>
    public static Task EnsureCreatedAsync(IAmazonDynamoDB client, DynamoDbStoreOptions options, CancellationToken ct) =>
        EnsureCreatedAsync(client, [.. ProductStoreTables(options), .. RunStoreTables(options)], null, ct);

    /// <summary>Creates each table that does not exist yet and waits until every table and its indexes are ACTIVE.</summary>
    public static async Task EnsureCreatedAsync(IAmazonDynamoDB client, IReadOnlyList<CreateTableRequest> tables, ILogger? logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        logger ??= NullLogger.Instance;
        foreach (var table in tables)
        {
            try
            {
                await client.CreateTableAsync(table, ct).ConfigureAwait(false);
                logger.LogInformation("Creating DynamoDB table {Table}", table.TableName);
            }
            catch (ResourceInUseException)
            {
                // Exists already (or another process is creating it): wait for ACTIVE below.
            }
        }
        var deadline = DateTimeOffset.UtcNow + ActiveTimeout;
        foreach (var table in tables)
        {
            var delay = TimeSpan.FromMilliseconds(20);
            while (true)
            {
                var description = (await client.DescribeTableAsync(table.TableName, ct).ConfigureAwait(false)).Table;
                var active = description.TableStatus == TableStatus.ACTIVE
                             && (description.GlobalSecondaryIndexes ?? []).All(i => i.IndexStatus == IndexStatus.ACTIVE);
                if (active) break;
                if (DateTimeOffset.UtcNow > deadline)
                    throw new TimeoutException($"DynamoDB table '{table.TableName}' did not become ACTIVE in time (status {description.TableStatus}).");
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }
    }

    private static CreateTableRequest ProductsTable(string name)
    {
        string[] projected = [ProductItems.Source, ProductItems.Category, ProductItems.SearchText];
        GlobalSecondaryIndex Index(string indexName, string partition, string sort) => new()
        {
            IndexName = indexName,
            KeySchema = [new KeySchemaElement(partition, KeyType.HASH), new KeySchemaElement(sort, KeyType.RANGE)],
            Projection = new Projection
            {
                ProjectionType = ProjectionType.INCLUDE,
                NonKeyAttributes = projected.Where(a => a != partition && a != sort).ToList(),
            },
        };
        return new CreateTableRequest
        {
            TableName = name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            KeySchema = [new KeySchemaElement(ProductItems.Pk, KeyType.HASH)],
            AttributeDefinitions =
            [
                new AttributeDefinition(ProductItems.Pk, ScalarAttributeType.S),
                new AttributeDefinition(ProductItems.Category, ScalarAttributeType.S),
                new AttributeDefinition(ProductItems.Source, ScalarAttributeType.S),
                new AttributeDefinition(ProductItems.AllKey, ScalarAttributeType.S),
                new AttributeDefinition(ProductItems.Price, ScalarAttributeType.N),
                new AttributeDefinition(ProductItems.TitleKey, ScalarAttributeType.S),
            ],
            GlobalSecondaryIndexes =
            [
                Index(ProductIndexes.CategoryPrice, ProductItems.Category, ProductItems.Price),
                Index(ProductIndexes.CategoryTitle, ProductItems.Category, ProductItems.TitleKey),
                Index(ProductIndexes.SourcePrice, ProductItems.Source, ProductItems.Price),
                Index(ProductIndexes.SourceTitle, ProductItems.Source, ProductItems.TitleKey),
                Index(ProductIndexes.AllPrice, ProductItems.AllKey, ProductItems.Price),
                Index(ProductIndexes.AllTitle, ProductItems.AllKey, ProductItems.TitleKey),
            ],
        };
    }

    private static CreateTableRequest PriceHistoryTable(string name) => new()
    {
        TableName = name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        KeySchema = [new KeySchemaElement(PriceHistoryItems.Pk, KeyType.HASH), new KeySchemaElement(PriceHistoryItems.Sk, KeyType.RANGE)],
        AttributeDefinitions =
        [
            new AttributeDefinition(PriceHistoryItems.Pk, ScalarAttributeType.S),
            new AttributeDefinition(PriceHistoryItems.Sk, ScalarAttributeType.S),
        ],
    };

    private static CreateTableRequest RejectionsTable(string name) => new()
    {
        TableName = name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        KeySchema = [new KeySchemaElement(RejectionItems.Pk, KeyType.HASH), new KeySchemaElement(RejectionItems.Sk, KeyType.RANGE)],
        AttributeDefinitions =
        [
            new AttributeDefinition(RejectionItems.Pk, ScalarAttributeType.S),
            new AttributeDefinition(RejectionItems.Sk, ScalarAttributeType.S),
            new AttributeDefinition(RejectionItems.AllKey, ScalarAttributeType.S),
            new AttributeDefinition(RejectionItems.RecentKey, ScalarAttributeType.S),
        ],
        LocalSecondaryIndexes =
        [
            new LocalSecondaryIndex
            {
                IndexName = RunRecentIndex,
                KeySchema = [new KeySchemaElement(RejectionItems.Pk, KeyType.HASH), new KeySchemaElement(RejectionItems.RecentKey, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
        ],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = RecentIndex,
                KeySchema = [new KeySchemaElement(RejectionItems.AllKey, KeyType.HASH), new KeySchemaElement(RejectionItems.RecentKey, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
        ],
    };

    private static CreateTableRequest RunsTable(string name) => new()
    {
        TableName = name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        KeySchema = [new KeySchemaElement(RunItems.Pk, KeyType.HASH), new KeySchemaElement(RunItems.Sk, KeyType.RANGE)],
        AttributeDefinitions =
        [
            new AttributeDefinition(RunItems.Pk, ScalarAttributeType.S),
            new AttributeDefinition(RunItems.Sk, ScalarAttributeType.S),
            new AttributeDefinition(RunItems.ListPk, ScalarAttributeType.S),
            new AttributeDefinition(RunItems.ListSk, ScalarAttributeType.S),
        ],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = RecentIndex,
                KeySchema = [new KeySchemaElement(RunItems.ListPk, KeyType.HASH), new KeySchemaElement(RunItems.ListSk, KeyType.RANGE)],
                // Keys only: counter updates on a run then never write to the index.
                Projection = new Projection { ProjectionType = ProjectionType.KEYS_ONLY },
            },
        ],
    };
}
