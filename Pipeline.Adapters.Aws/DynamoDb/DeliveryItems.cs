using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// The notification outbox in the runs table: a webhook delivery (on the "recent" index, <c>listPk = deliveries</c>), its
/// due pointer while it is pending (a second item in its partition, on the index under <c>listPk = deliveries-due</c>,
/// sorted by the next attempt's time) and the notifier's markers (on the index under <c>listPk = markers#&lt;key up to its
/// first ':'&gt;</c>, sorted by the time each was last written).
/// </summary>
internal static class DeliveryItems
{
    /// <summary>The "recent" index's partition of every delivery: listSk is createdAt + "#" + id.</summary>
    public const string DeliveriesList = "deliveries";

    /// <summary>The "recent" index's partition of the due pointers: listSk is nextAttemptAt + "#" + id.</summary>
    public const string DueList = "deliveries-due";

    /// <summary>
    /// The "recent" index's partitions of the markers: <c>markers#</c> + the key up to and including its first ':' (empty
    /// for a key without one); listSk is updatedAt + "#" + key.
    /// </summary>
    public const string MarkersListPrefix = "markers#";

    public const string DeliverySk = "delivery";
    public const string DueSk = "due";

    public const string Id = "id";
    public const string EventId = "eventId";
    public const string Type = "type";
    public const string Webhook = "webhook";
    public const string Url = "url";
    public const string Body = "body";
    public const string CreatedAt = "createdAt";
    public const string Status = "status";
    public const string Attempts = "attempts";
    public const string LastError = "lastError";
    public const string LastAttemptAt = "lastAttemptAt";
    public const string NextAttemptAt = "nextAttemptAt";

    /// <summary>A marker's value.</summary>
    public const string Value = "value";

    /// <summary>When a marker or a due pointer was last written.</summary>
    public const string UpdatedAt = "updatedAt";

    public static string Partition(string id) => "delivery#" + id;

    public static Dictionary<string, AttributeValue> DeliveryKey(string id) => new() { [R.Pk] = S(Partition(id)), [R.Sk] = S(DeliverySk) };

    public static Dictionary<string, AttributeValue> DueKey(string id) => new() { [R.Pk] = S(Partition(id)), [R.Sk] = S(DueSk) };

    public static Dictionary<string, AttributeValue> MarkerKey(string key) => new() { [R.Pk] = S("marker#" + key), [R.Sk] = S("marker") };

    /// <summary>The index partition of the markers whose keys start with <paramref name="keyOrPrefix"/> (up to its first ':').</summary>
    public static string MarkerList(string keyOrPrefix)
    {
        var colon = keyOrPrefix.IndexOf(':', StringComparison.Ordinal);
        return MarkersListPrefix + (colon < 0 ? "" : keyOrPrefix[..(colon + 1)]);
    }

    public static Dictionary<string, AttributeValue> ToMarkerItem(string key, string value, DateTimeOffset updatedAt)
    {
        var item = MarkerKey(key);
        item[Value] = S(value);
        item[UpdatedAt] = Time(updatedAt);
        item[R.ListPk] = S(MarkerList(key));
        item[R.ListSk] = S($"{FormatTime(updatedAt)}#{key}");
        return item;
    }

    /// <summary>The marker's key from its index sort key (times hold no '#').</summary>
    public static string MarkerKeyOf(string listSortKey) => listSortKey[(listSortKey.IndexOf('#', StringComparison.Ordinal) + 1)..];

    /// <summary>Whether a delivery in this state has a due pointer: pending, with a time for its next attempt.</summary>
    public static bool IsWaiting(WebhookDelivery delivery) => delivery is { Status: DeliveryStatus.Pending, NextAttemptAt: not null };

    /// <summary>The due pointer's index sort key.</summary>
    public static string DueSortKey(string id, DateTimeOffset nextAttemptAt) => $"{FormatTime(nextAttemptAt)}#{id}";

    /// <summary>The due pointer, with the time it is written (an orphan is deleted only once that is old).</summary>
    public static Dictionary<string, AttributeValue> ToDueItem(WebhookDelivery delivery, DateTimeOffset writtenAt)
    {
        var item = DueKey(delivery.Id);
        item[Id] = S(delivery.Id);
        item[UpdatedAt] = Time(writtenAt);
        item[R.ListPk] = S(DueList);
        item[R.ListSk] = S(DueSortKey(delivery.Id, delivery.NextAttemptAt ?? throw new ArgumentException("A due pointer needs the next attempt's time.", nameof(delivery))));
        return item;
    }

    public static Dictionary<string, AttributeValue> ToItem(WebhookDelivery delivery)
    {
        var item = DeliveryKey(delivery.Id);
        item[Id] = S(delivery.Id);
        item[EventId] = S(delivery.EventId);
        item[Type] = S(delivery.Type);
        item[Webhook] = N(delivery.Webhook);
        item[Url] = S(delivery.Url);
        item[Body] = S(delivery.Body);
        item[CreatedAt] = Time(delivery.CreatedAt);
        item[Status] = S(ToWire(delivery.Status));
        item[Attempts] = N(delivery.Attempts);
        item.SetIfNotNull(LastError, delivery.LastError);
        item.SetIfNotNull(LastAttemptAt, delivery.LastAttemptAt);
        item.SetIfNotNull(NextAttemptAt, delivery.NextAttemptAt);
        item[R.ListPk] = S(DeliveriesList);
        item[R.ListSk] = S($"{FormatTime(delivery.CreatedAt)}#{delivery.Id}");
        return item;
    }

    public static WebhookDelivery FromItem(Dictionary<string, AttributeValue> item) => new()
    {
        Id = item.GetRequiredString(Id),
        EventId = item.GetRequiredString(EventId),
        Type = item.GetRequiredString(Type),
        Webhook = item.GetInt(Webhook) ?? 0,
        Url = item.GetRequiredString(Url),
        Body = item.GetString(Body) ?? "",
        CreatedAt = item.GetRequiredTime(CreatedAt),
        Status = ParseStatus(item.GetRequiredString(Status)),
        Attempts = item.GetInt(Attempts) ?? 0,
        LastError = item.GetString(LastError),
        LastAttemptAt = item.GetTime(LastAttemptAt),
        NextAttemptAt = item.GetTime(NextAttemptAt),
    };

    public static string ToWire(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Pending => "pending",
        DeliveryStatus.Delivered => "delivered",
        DeliveryStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static DeliveryStatus ParseStatus(string value) => value switch
    {
        "pending" => DeliveryStatus.Pending,
        "delivered" => DeliveryStatus.Delivered,
        "failed" => DeliveryStatus.Failed,
        _ => throw new FormatException($"Unknown delivery status '{value}'."),
    };
}
