using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using D = Pipeline.Adapters.Aws.DynamoDb.DeliveryItems;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// The notification outbox (<see cref="DeliveryItems"/>). The "recent" index can list an item under one partition only, so
/// a pending delivery has a second item, its due pointer, listed under <c>deliveries-due</c> by the time of its next attempt.
/// The delivery item is the truth; the pointer only says where to look:
/// <list type="bullet">
/// <item>enqueue writes the pointer first (condition: no pointer), then the delivery (condition: absent). A crash in
/// between leaves a pointer to nothing, skipped (and deleted once it was written an hour ago). When the delivery exists,
/// the enqueue changes nothing: a pointer it wrote is deleted again unless the stored delivery is waiting;</item>
/// <item>a claim or an outcome writes the delivery first (condition: pending with the attempts expected), then moves
/// the pointer to its next attempt or deletes it when the delivery is no longer waiting; a crash in between leaves the
/// pointer at the claim's time (a retry due sooner waits at most until the claim's lease ends) or stale, and
/// <see cref="DueDeliveriesAsync"/> checks every delivery it finds (and deletes pointers of ended deliveries).</item>
/// </list>
/// Markers carry the time they were last written and are listed on the index by key prefix and that time, for pruning.
/// </summary>
public sealed partial class DynamoDbRunStore : INotificationOutbox
{
    /// <summary>Age after which a due pointer to no delivery is taken for a crashed enqueue and deleted.</summary>
    private static readonly TimeSpan OrphanPointerAge = TimeSpan.FromHours(1);

    public async Task<bool> EnqueueAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        delivery = Stored(delivery);
        var pointer = D.IsWaiting(delivery) ? D.ToDueItem(delivery, _clock.GetUtcNow()) : null;
        // An existing pointer belongs to a waiting delivery (or to an enqueue under way): left as it is.
        var pointed = pointer is not null
            && await PutIfAsync(pointer, "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct).ConfigureAwait(false);
        if (await PutIfAsync(D.ToItem(delivery), "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct).ConfigureAwait(false))
        {
            // A new delivery whose pointer was there already (left by a crashed enqueue of this id, which a due read may be
            // deleting as an orphan right now): written afresh.
            if (pointer is not null && !pointed)
                await _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = pointer }, ct).ConfigureAwait(false);
            return true;
        }
        // The delivery exists: the pointer just written is kept only for a delivery waiting for it (one whose own enqueue
        // wrote the delivery first, concurrently); an ended delivery keeps none.
        if (!pointed) return false;
        var stored = await GetDeliveryAsync(delivery.Id, ct).ConfigureAwait(false);
        if (stored is null || !D.IsWaiting(stored))
            await DeletePointerAsync(D.Partition(delivery.Id), pointer![R.ListSk].S, null, ct).ConfigureAwait(false);
        return false;
    }

    public async Task<WebhookDelivery?> GetDeliveryAsync(string id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = D.DeliveryKey(id), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? D.FromItem(item) : null;
    }

    /// <summary>
    /// The due pointers up to <paramref name="now"/>, oldest first, then their deliveries (consistent), of which those pending
    /// and due are returned. Pending deliveries are few (each is sent within seconds or retried for a bounded time), so the
    /// pointers read are few too.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>> DueDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, 1000);
        var due = new List<WebhookDelivery>(limit);
        var request = new QueryRequest
        {
            TableName = Table,
            IndexName = DynamoDbTables.RecentIndex,
            // '$' sorts right after '#': every pointer whose time is at or before now.
            KeyConditionExpression = "#list = :list AND #sort < :bound",
            ExpressionAttributeNames = new() { ["#list"] = R.ListPk, ["#sort"] = R.ListSk },
            ExpressionAttributeValues = new() { [":list"] = S(D.DueList), [":bound"] = S(FormatTime(now) + "$") },
            ScanIndexForward = true,
            Limit = Math.Max(limit, 100),
        };
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            var pointers = (response.Items ?? []).ToList();
            var keys = pointers.Select(p => new Dictionary<string, AttributeValue> { [R.Pk] = p[R.Pk], [R.Sk] = S(D.DeliverySk) }).ToList();
            var items = await _batches.GetAsync(Table, keys, consistentRead: true, null, null, ct).ConfigureAwait(false);
            var byPk = items.ToDictionary(i => i.GetRequiredString(R.Pk), StringComparer.Ordinal);
            foreach (var pointer in pointers)
            {
                var pk = pointer[R.Pk].S;
                var sortKey = pointer[R.ListSk].S;
                if (!byPk.TryGetValue(pk, out var item))
                {
                    // A crashed enqueue's, or one whose delivery is being written right now: deleted once written an hour ago.
                    if (ParseTime(sortKey[..sortKey.IndexOf('#', StringComparison.Ordinal)]) < now - OrphanPointerAge)
                        await DeletePointerAsync(pk, sortKey, _clock.GetUtcNow() - OrphanPointerAge, ct).ConfigureAwait(false);
                    continue;
                }
                var delivery = D.FromItem(item);
                if (delivery.Status != DeliveryStatus.Pending) await DeletePointerAsync(pk, sortKey, null, ct).ConfigureAwait(false);
                else if (delivery.NextAttemptAt <= now) due.Add(delivery);
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (due.Count < limit && request.ExclusiveStartKey is { Count: > 0 });
        return due.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    public Task<bool> TryClaimAttemptAsync(WebhookDelivery claimed, int expectedAttempts, CancellationToken ct) =>
        TryReplacePendingAsync(claimed, expectedAttempts, ct);

    public Task<bool> TryRecordOutcomeAsync(WebhookDelivery delivery, int expectedAttempts, CancellationToken ct) =>
        TryReplacePendingAsync(delivery, expectedAttempts, ct);

    /// <summary>A claim and an outcome are the same write: the delivery, if it is still pending with that many attempts; then its due pointer follows.</summary>
    private async Task<bool> TryReplacePendingAsync(WebhookDelivery delivery, int expectedAttempts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        delivery = Stored(delivery);
        if (!await UpdateAttemptAsync(delivery, "#status = :pending AND #attempts = :expected",
                new() { [":pending"] = S(D.ToWire(DeliveryStatus.Pending)), [":expected"] = N(expectedAttempts) }, ct).ConfigureAwait(false))
            return false;
        await MovePointerAsync(delivery, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The recent index's entries of <paramref name="list"/> listed before <paramref name="before"/>, oldest first: the
    /// sort key begins with the entry's time, so an entry sorts before the bare time exactly when it is older.
    /// </summary>
    private QueryRequest ListedBefore(string list, DateTimeOffset before, int? limit = null) => new()
    {
        TableName = Table,
        IndexName = DynamoDbTables.RecentIndex,
        KeyConditionExpression = "#list = :list AND #sort < :before",
        ExpressionAttributeNames = new() { ["#list"] = R.ListPk, ["#sort"] = R.ListSk },
        ExpressionAttributeValues = new() { [":list"] = S(list), [":before"] = S(FormatTime(before)) },
        ScanIndexForward = true,
        Limit = limit,
    };

    /// <summary>
    /// The <c>deliveries</c> listing up to <paramref name="before"/>, oldest first, a page at a time; of each page's deliveries
    /// (read consistently) the ended ones are deleted with their pointer, if any. An ended delivery never becomes pending
    /// again, so the deletes need no condition.
    /// </summary>
    public async Task<int> PruneDeliveriesAsync(DateTimeOffset before, CancellationToken ct)
    {
        var pruned = 0;
        var request = ListedBefore(D.DeliveriesList, before, DynamoDbBatches.MaxGetBatch);
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            var keys = (response.Items ?? []).Select(e => new Dictionary<string, AttributeValue> { [R.Pk] = e[R.Pk], [R.Sk] = e[R.Sk] }).ToList();
            var ended = (await _batches.GetAsync(Table, keys, consistentRead: true, null, null, ct).ConfigureAwait(false))
                .Select(D.FromItem).Where(d => d.Status != DeliveryStatus.Pending).ToList();
            var deletes = ended
                .SelectMany(d => new[] { new WriteRequest(new DeleteRequest(D.DeliveryKey(d.Id))), new WriteRequest(new DeleteRequest(D.DueKey(d.Id))) })
                .ToList();
            await _batches.WriteAsync(Table, deletes, ct).ConfigureAwait(false);
            pruned += ended.Count;
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return pruned;
    }

    /// <summary>Newest first (by createdAt).</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> RecentDeliveriesAsync(int limit, CancellationToken ct) =>
        (await ListRecentAsync(D.DeliveriesList, Math.Clamp(limit, 1, 1000), ct).ConfigureAwait(false)).Select(D.FromItem).ToList();

    public async Task<string?> GetMarkerAsync(string key, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(key)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = D.MarkerKey(key), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item.GetString(D.Value) : null;
    }

    public Task<bool> TrySetMarkerAsync(string key, string? expected, string value, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var item = D.ToMarkerItem(key, value, _clock.GetUtcNow());
        return expected is null
            ? PutIfAsync(item, "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct)
            : PutIfAsync(item, "#value = :expected", new() { ["#value"] = D.Value }, new() { [":expected"] = S(expected) }, ct);
    }

    /// <summary>
    /// The markers' index partition of the prefix (which must hold a ':', as it names that partition), up to
    /// <paramref name="before"/>, oldest first; each marker whose key starts with the prefix is deleted unless it was
    /// written again since it was listed.
    /// </summary>
    public async Task<int> PruneMarkersAsync(string prefix, DateTimeOffset before, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.Contains(':', StringComparison.Ordinal))
            throw new ArgumentException("A marker prefix holds a ':' (e.g. 'raised:'): markers are listed by the key up to its first ':'.", nameof(prefix));
        var pruned = 0;
        var request = ListedBefore(D.MarkerList(prefix), before);
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            foreach (var entry in response.Items ?? [])
            {
                var sortKey = entry[R.ListSk].S;
                var key = D.MarkerKeyOf(sortKey);
                if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
                if (await DeleteIfAsync(D.MarkerKey(key), "#sort = :seen", new() { ["#sort"] = R.ListSk }, new() { [":seen"] = S(sortKey) }, ct)
                        .ConfigureAwait(false))
                    pruned++;
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (request.ExclusiveStartKey is { Count: > 0 });
        return pruned;
    }

    /// <summary>The delivery as it is stored (its last error cut to <see cref="MaxErrorLength"/>).</summary>
    private static WebhookDelivery Stored(WebhookDelivery delivery) =>
        delivery.LastError is { Length: > MaxErrorLength } error ? delivery with { LastError = Truncate(error) } : delivery;

    /// <summary>
    /// Writes the attempt's fields (status, attempts, last error and times) of a stored delivery when
    /// <paramref name="condition"/> holds too; false when it does not (or there is no such delivery).
    /// </summary>
    private async Task<bool> UpdateAttemptAsync(WebhookDelivery delivery, string? condition, Dictionary<string, AttributeValue> conditionValues,
        CancellationToken ct)
    {
        var names = new Dictionary<string, string> { ["#pk"] = R.Pk, ["#status"] = D.Status, ["#attempts"] = D.Attempts };
        var values = new Dictionary<string, AttributeValue>(conditionValues)
        {
            [":status"] = S(D.ToWire(delivery.Status)), [":attempts"] = N(delivery.Attempts),
        };
        var set = new List<string> { "#status = :status", "#attempts = :attempts" };
        var remove = new List<string>();
        void SetOrRemove(string placeholder, string attribute, AttributeValue? value)
        {
            names[placeholder] = attribute;
            if (value is null)
            {
                remove.Add(placeholder);
                return;
            }
            values[":" + placeholder[1..]] = value;
            set.Add($"{placeholder} = :{placeholder[1..]}");
        }
        SetOrRemove("#lastError", D.LastError, delivery.LastError is null ? null : S(delivery.LastError));
        SetOrRemove("#lastAttemptAt", D.LastAttemptAt, delivery.LastAttemptAt is { } last ? Time(last) : null);
        SetOrRemove("#nextAttemptAt", D.NextAttemptAt, delivery.NextAttemptAt is { } next ? Time(next) : null);
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = D.DeliveryKey(delivery.Id),
                UpdateExpression = "SET " + string.Join(", ", set) + (remove.Count == 0 ? "" : " REMOVE " + string.Join(", ", remove)),
                ConditionExpression = "attribute_exists(#pk)" + (condition is null ? "" : $" AND {condition}"),
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

    /// <summary>Puts the due pointer at the delivery's next attempt while it waits for one; deletes it otherwise.</summary>
    private async Task MovePointerAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        if (D.IsWaiting(delivery))
            await _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = D.ToDueItem(delivery, _clock.GetUtcNow()) }, ct).ConfigureAwait(false);
        else
            await _db.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = D.DueKey(delivery.Id) }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a due pointer unless it has moved since it was read (the delivery is waiting again) or, given
    /// <paramref name="writtenBefore"/>, was written since then (pointers written before they had a time count as old).
    /// </summary>
    private Task DeletePointerAsync(string pk, string sortKey, DateTimeOffset? writtenBefore, CancellationToken ct)
    {
        var names = new Dictionary<string, string> { ["#sort"] = R.ListSk };
        var values = new Dictionary<string, AttributeValue> { [":seen"] = S(sortKey) };
        var condition = "#sort = :seen";
        if (writtenBefore is { } cutoff)
        {
            names["#updatedAt"] = D.UpdatedAt;
            values[":cutoff"] = Time(cutoff);
            condition += " AND (attribute_not_exists(#updatedAt) OR #updatedAt < :cutoff)";
        }
        return DeleteIfAsync(new() { [R.Pk] = S(pk), [R.Sk] = S(D.DueSk) }, condition, names, values, ct);
    }

    /// <summary>Deletes the item when the condition holds; false when it does not (or the item is gone).</summary>
    private async Task<bool> DeleteIfAsync(Dictionary<string, AttributeValue> key, string condition, Dictionary<string, string> names,
        Dictionary<string, AttributeValue> values, CancellationToken ct)
    {
        try
        {
            await _db.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = Table,
                Key = key,
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
