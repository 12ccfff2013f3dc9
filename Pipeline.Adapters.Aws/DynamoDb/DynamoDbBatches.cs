using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// BatchWriteItem (25 per call) and BatchGetItem (100 per call) that finish the job: items DynamoDB hands back as
/// <c>UnprocessedItems</c>/<c>UnprocessedKeys</c> are resent with exponential backoff and full jitter.
/// </summary>
internal sealed class DynamoDbBatches(IAmazonDynamoDB client, ILogger logger)
{
    public const int MaxWriteBatch = 25;
    public const int MaxGetBatch = 100;

    /// <summary>Attempts per batch before giving up (the first call included).</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>First backoff; doubles per attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(25);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Writes every request; requests for the same key must not repeat within the list.</summary>
    public async Task WriteAsync(string table, IReadOnlyList<WriteRequest> requests, CancellationToken ct)
    {
        for (var offset = 0; offset < requests.Count; offset += MaxWriteBatch)
        {
            var pending = new Dictionary<string, List<WriteRequest>>
            {
                [table] = requests.Skip(offset).Take(MaxWriteBatch).ToList(),
            };
            for (var attempt = 1; ; attempt++)
            {
                var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, ct).ConfigureAwait(false);
                var unprocessed = response.UnprocessedItems;
                if (unprocessed is null || unprocessed.Values.All(v => v is null || v.Count == 0)) break;
                var left = unprocessed.Values.Sum(v => v?.Count ?? 0);
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException(
                        $"BatchWriteItem on table '{table}' still had {left} unprocessed items after {attempt} attempts.");
                logger.LogDebug("BatchWriteItem on {Table}: {Unprocessed} unprocessed items, retry {Attempt}", table, left, attempt);
                await Task.Delay(Backoff(attempt), ct).ConfigureAwait(false);
                pending = unprocessed;
            }
        }
    }

    /// <summary>Reads the items for the keys (missing ones are simply absent); keys must be distinct.</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> GetAsync(
        string table,
        IReadOnlyList<Dictionary<string, AttributeValue>> keys,
        bool consistentRead,
        string? projection,
        Dictionary<string, string>? names,
        CancellationToken ct)
    {
        var items = new List<Dictionary<string, AttributeValue>>(keys.Count);
        for (var offset = 0; offset < keys.Count; offset += MaxGetBatch)
        {
            var keysAndAttributes = new KeysAndAttributes
            {
                Keys = keys.Skip(offset).Take(MaxGetBatch).ToList(),
                ConsistentRead = consistentRead,
                ProjectionExpression = projection,
                ExpressionAttributeNames = names,
            };
            var pending = new Dictionary<string, KeysAndAttributes> { [table] = keysAndAttributes };
            for (var attempt = 1; ; attempt++)
            {
                var response = await client.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending }, ct).ConfigureAwait(false);
                if (response.Responses is not null && response.Responses.TryGetValue(table, out var got) && got is not null)
                    items.AddRange(got);
                var unprocessed = response.UnprocessedKeys;
                if (unprocessed is null || unprocessed.Values.All(v => v?.Keys is null || v.Keys.Count == 0)) break;
                if (attempt >= MaxAttempts)
                    throw new InvalidOperationException(
                        $"BatchGetItem on table '{table}' still had unprocessed keys after {attempt} attempts.");
                await Task.Delay(Backoff(attempt), ct).ConfigureAwait(false);
                pending = unprocessed;
            }
        }
        return items;
    }

    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
