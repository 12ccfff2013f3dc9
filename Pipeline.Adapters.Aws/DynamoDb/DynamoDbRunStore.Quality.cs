using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using Q = Pipeline.Adapters.Aws.DynamoDb.QualityItems;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Data check results (<see cref="QualityItems"/>): each result is a history item written once (condition: absent), then the
/// (check, source)'s latest item is replaced on the condition that it is older. A crash between the two leaves the latest
/// item one result behind until the same result is recorded again (recording is idempotent, so a retry repairs it).
/// </summary>
public sealed partial class DynamoDbRunStore : IQualityStore
{
    public async Task RecordChecksAsync(IReadOnlyList<CheckResult> results, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            await PutIfAsync(Q.ToHistoryItem(result), "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct).ConfigureAwait(false);
            await PutIfAsync(Q.ToLatestItem(result), "attribute_not_exists(#pk) OR #checkedAt < :checkedAt",
                new() { ["#pk"] = R.Pk, ["#checkedAt"] = Q.CheckedAt }, new() { [":checkedAt"] = Time(result.CheckedAt) }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One query of the latest partition (one item per check and source).</summary>
    public async Task<IReadOnlyList<CheckResult>> LatestChecksAsync(CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
            ExpressionAttributeValues = new() { [":pk"] = S(Q.LatestPartition) },
            ConsistentRead = true,
        };
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            results.AddRange((response.Items ?? []).Select(Q.FromItem));
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return results.OrderBy(r => r.Source, StringComparer.Ordinal).ThenBy(r => r.Check, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// One (check, source): a query of its partition, newest first. Otherwise the keys-only "recent" index (<c>listPk =
    /// quality</c>), newest first, keeping the keys whose partition names the check or source asked for, then the items.
    /// Filtering one source out of all results reads the index past the other sources' results: a dashboard read of a few
    /// results per source and refresh.
    /// </summary>
    public async Task<IReadOnlyList<CheckResult>> CheckHistoryAsync(string? check, string? source, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 1000);
        return check is not null && source is not null
            ? await PartitionHistoryAsync(check, source, limit, ct).ConfigureAwait(false)
            : await IndexHistoryAsync(check, source, limit, ct).ConfigureAwait(false);
    }

    private async Task<List<CheckResult>> PartitionHistoryAsync(string check, string source, int limit, CancellationToken ct)
    {
        var results = new List<CheckResult>(limit);
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
            ExpressionAttributeValues = new() { [":pk"] = S(Q.HistoryPartition(check, source)) },
            ScanIndexForward = false,
            ConsistentRead = true,
            Limit = limit,
        };
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            results.AddRange((response.Items ?? []).Take(limit - results.Count).Select(Q.FromItem));
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (results.Count < limit && request.ExclusiveStartKey is { Count: > 0 });
        return results;
    }

    private async Task<List<CheckResult>> IndexHistoryAsync(string? check, string? source, int limit, CancellationToken ct)
    {
        var results = new List<CheckResult>(limit);
        var filtered = check is not null || source is not null;
        var request = new QueryRequest
        {
            TableName = Table,
            IndexName = DynamoDbTables.RecentIndex,
            KeyConditionExpression = "#list = :list",
            ExpressionAttributeNames = new() { ["#list"] = R.ListPk },
            ExpressionAttributeValues = new() { [":list"] = S(Q.HistoryList) },
            ScanIndexForward = false,
            Limit = filtered ? 500 : limit,
        };
        bool Wanted(string pk) =>
            (check is null || pk.StartsWith(Q.HistoryPartition(check, ""), StringComparison.Ordinal))
            && (source is null || pk.EndsWith("#" + source, StringComparison.Ordinal));
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            var keys = (response.Items ?? [])
                .Where(e => Wanted(e[R.Pk].S))
                .Select(e => new Dictionary<string, AttributeValue> { [R.Pk] = e[R.Pk], [R.Sk] = e[R.Sk] })
                .Take(limit - results.Count)
                .ToList();
            var items = await _batches.GetAsync(Table, keys, consistentRead: true, null, null, ct).ConfigureAwait(false);
            var byKey = items.ToDictionary(i => (i.GetRequiredString(R.Pk), i.GetRequiredString(R.Sk)));
            foreach (var key in keys)
            {
                if (!byKey.TryGetValue((key[R.Pk].S, key[R.Sk].S), out var item)) continue;
                var result = Q.FromItem(item);
                if ((check is null || result.Check == check) && (source is null || result.Source == source)) results.Add(result);
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (results.Count < limit && request.ExclusiveStartKey is { Count: > 0 });
        return results;
    }

    /// <summary>
    /// The latest results first (one query), then the <c>quality</c> listing up to <paramref name="before"/>, oldest first, a
    /// page at a time: a result is deleted when it is older than its (check, source)'s latest. One newer than the latest
    /// read, or of a (check, source) without one yet, was recorded meanwhile (or the latest item lags after a crash) and is
    /// kept for the next prune. History items are never changed, so the deletes need no condition.
    /// </summary>
    public async Task<int> PruneChecksAsync(DateTimeOffset before, CancellationToken ct)
    {
        var latest = (await LatestChecksAsync(ct).ConfigureAwait(false)).ToDictionary(r => (r.Check, r.Source), r => r.CheckedAt);
        var pruned = 0;
        var request = ListedBefore(Q.HistoryList, before, 500);
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            var deletes = new List<WriteRequest>();
            foreach (var entry in response.Items ?? [])
            {
                if (Q.ParseHistoryPartition(entry[R.Pk].S) is not { } checkAndSource
                    || !latest.TryGetValue(checkAndSource, out var latestAt)
                    || ParseTime(entry[R.Sk].S) >= latestAt)
                    continue;
                deletes.Add(new WriteRequest(new DeleteRequest(new() { [R.Pk] = entry[R.Pk], [R.Sk] = entry[R.Sk] })));
            }
            await _batches.WriteAsync(Table, deletes, ct).ConfigureAwait(false);
            pruned += deletes.Count;
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return pruned;
    }

    /// <summary>Puts the item when the condition holds; false when it does not.</summary>
    private async Task<bool> PutIfAsync(Dictionary<string, AttributeValue> item, string condition, Dictionary<string, string> names,
        Dictionary<string, AttributeValue>? values, CancellationToken ct)
    {
        try
        {
            await _db.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = item,
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
