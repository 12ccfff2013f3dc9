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
/// <item>enqueue writes the pointer first, then the delivery (condition: absent); a crash in between leaves a pointer to
/// nothing, skipped (and deleted once an hour old);</item>
/// <item>a claim or an update writes the delivery first, then moves the pointer to its next attempt or
/// deletes it when the delivery is no longer waiting; a crash in between leaves the pointer at the claim's time (a retry
/// due sooner waits at most until the claim's lease ends) or stale, and <see cref="DueDeliveriesAsync"/> checks every
/// delivery it finds (and deletes pointers of ended deliveries).</item>
/// </list>
/// </summary>
public sealed partial class DynamoDbRunStore : INotificationOutbox
{
    /// <summary>Age after which a due pointer to no delivery is taken for a crashed enqueue and deleted.</summary>
    private static readonly TimeSpan OrphanPointerAge = TimeSpan.FromHours(1);

    public async Task<bool> EnqueueAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        delivery = Stored(delivery);
        if (D.IsWaiting(delivery))
            await _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = D.ToDueItem(delivery) }, ct).ConfigureAwait(false);
        return await PutIfAsync(D.ToItem(delivery), "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct).ConfigureAwait(false);
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
                    if (ParseTime(sortKey[..sortKey.IndexOf('#', StringComparison.Ordinal)]) < now - OrphanPointerAge)
                        await DeletePointerAsync(pk, sortKey, ct).ConfigureAwait(false);
                    continue;
                }
                var delivery = D.FromItem(item);
                if (delivery.Status != DeliveryStatus.Pending) await DeletePointerAsync(pk, sortKey, ct).ConfigureAwait(false);
                else if (delivery.NextAttemptAt <= now) due.Add(delivery);
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (due.Count < limit && request.ExclusiveStartKey is { Count: > 0 });
        return due.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    public async Task<bool> TryClaimAttemptAsync(WebhookDelivery claimed, int expectedAttempts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        claimed = Stored(claimed);
        if (!await UpdateAttemptAsync(claimed, "#status = :pending AND #attempts = :expected",
                new() { [":pending"] = S(D.ToWire(DeliveryStatus.Pending)), [":expected"] = N(expectedAttempts) }, ct).ConfigureAwait(false))
            return false;
        await MovePointerAsync(claimed, ct).ConfigureAwait(false);
        return true;
    }

    public async Task UpdateDeliveryAsync(WebhookDelivery delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        delivery = Stored(delivery);
        if (await UpdateAttemptAsync(delivery, null, [], ct).ConfigureAwait(false))
            await MovePointerAsync(delivery, ct).ConfigureAwait(false);
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
        var item = new Dictionary<string, AttributeValue>(D.MarkerKey(key)) { [D.Value] = S(value), ["updatedAt"] = Time(_clock.GetUtcNow()) };
        return expected is null
            ? PutIfAsync(item, "attribute_not_exists(#pk)", new() { ["#pk"] = R.Pk }, null, ct)
            : PutIfAsync(item, "#value = :expected", new() { ["#value"] = D.Value }, new() { [":expected"] = S(expected) }, ct);
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
            await _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = D.ToDueItem(delivery) }, ct).ConfigureAwait(false);
        else
            await _db.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = D.DueKey(delivery.Id) }, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes a due pointer unless it has moved since it was read.</summary>
    private async Task DeletePointerAsync(string pk, string sortKey, CancellationToken ct)
    {
        try
        {
            await _db.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = Table,
                Key = new() { [R.Pk] = S(pk), [R.Sk] = S(D.DueSk) },
                ConditionExpression = "#sort = :seen",
                ExpressionAttributeNames = new() { ["#sort"] = R.ListSk },
                ExpressionAttributeValues = new() { [":seen"] = S(sortKey) },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Moved (the delivery is waiting again) or already gone.
        }
    }
}
