using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>Attribute names of the rejections table: one item per (run, raw key, record index).</summary>
internal static class RejectionItems
{
    /// <summary>Run id.</summary>
    public const string Pk = "pk";
    /// <summary>Raw key + "#" + record index (-1 for a whole page): a re-delivery overwrites, never duplicates.</summary>
    public const string Sk = "sk";
    public const string Source = "source";
    public const string RawKey = "rawKey";
    public const string RecordIndex = "recordIndex";
    public const string SourceId = "sourceId";
    public const string Reason = "reason";
    public const string RejectedAt = "rejectedAt";
    /// <summary>Constant partition of the cross-run "recent" index.</summary>
    public const string AllKey = "allKey";
    public const string AllKeyValue = "rejections";
    /// <summary>rejectedAt + "#" + run id + "#" + sk: newest-first order in both indexes.</summary>
    public const string RecentKey = "recentKey";

    public static string SortKey(Rejection r) => $"{r.RawKey}#{(r.RecordIndex ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static Dictionary<string, AttributeValue> ToItem(Rejection r)
    {
        var sk = SortKey(r);
        var item = new Dictionary<string, AttributeValue>
        {
            [Pk] = S(r.RunId),
            [Sk] = S(sk),
            [Source] = S(r.Source),
            [RawKey] = S(r.RawKey),
            [Reason] = S(r.Reason),
            [RejectedAt] = Time(r.RejectedAt),
            [AllKey] = S(AllKeyValue),
            [RecentKey] = S($"{FormatTime(r.RejectedAt)}#{r.RunId}#{sk}"),
        };
        item.SetIfNotNull(RecordIndex, r.RecordIndex);
        item.SetIfNotNull(SourceId, r.SourceId);
        return item;
    }

    public static Rejection FromItem(Dictionary<string, AttributeValue> item) => new()
    {
        RunId = item.GetRequiredString(Pk),
        Source = item.GetRequiredString(Source),
        RawKey = item.GetRequiredString(RawKey),
        RecordIndex = item.GetInt(RecordIndex),
        SourceId = item.GetString(SourceId),
        Reason = item.GetRequiredString(Reason),
        RejectedAt = item.GetRequiredTime(RejectedAt),
    };
}
