using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>Attribute names of the price-history table: one item per (product, run) in which the price was observed.</summary>
internal static class PriceHistoryItems
{
    /// <summary>Product id.</summary>
    public const string Pk = "pk";
    /// <summary>
    /// The product version the observation replaced: <c>first</c> for a new product, else <c>after#</c> + that
    /// version's <c>lastChanged</c>. Not the run: an observation whose product write was lost (a run that failed in
    /// between) is overwritten by the next upsert of the same change, in any run, instead of doubling the history.
    /// </summary>
    public const string Sk = "sk";
    public const string RunId = "runId";
    public const string Price = "price";
    public const string PreviousPrice = "previousPrice";
    public const string ObservedAt = "observedAt";
    public const string FirstKey = "first";
    /// <summary>Lineage: the raw page the price was read from.</summary>
    public const string RawKey = "rawKey";

    /// <summary>The sort key of the observation that replaces the version last changed at <paramref name="lastChanged"/> (null: none).</summary>
    public static string KeyAfter(DateTimeOffset? lastChanged) => lastChanged is { } at ? "after#" + FormatTime(at) : FirstKey;

    public static Dictionary<string, AttributeValue> ToItem(PriceObservation o, string key)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [Pk] = S(o.ProductId),
            [Sk] = S(key),
            [RunId] = S(o.RunId),
            [Price] = N(o.Price),
            [ObservedAt] = Time(o.ObservedAt),
        };
        item.SetIfNotNull(PreviousPrice, o.PreviousPrice);
        item.SetIfNotNull(RawKey, o.RawKey);
        return item;
    }

    public static PriceObservation FromItem(Dictionary<string, AttributeValue> item) =>
        new(item.GetRequiredString(Pk), item.GetDecimal(Price) ?? 0m, item.GetRequiredTime(ObservedAt), item.GetRequiredString(RunId))
        {
            PreviousPrice = item.GetDecimal(PreviousPrice),
            RawKey = item.GetString(RawKey),
        };
}
