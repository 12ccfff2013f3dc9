using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Data check results in the runs table: a history item per (check, source, checkedAt), in the (check, source) partition
/// and on the "recent" index (<c>listPk = quality</c>), and one "latest" item per (check, source) in a fixed partition.
/// </summary>
internal static class QualityItems
{
    /// <summary>Partition of the latest result of every (check, source); sort key source + "#" + check.</summary>
    public const string LatestPartition = "quality-latest";

    /// <summary>The "recent" index's partition of the history: listSk is checkedAt + "#" + check + "#" + source.</summary>
    public const string HistoryList = "quality";

    public const string Check = "check";
    public const string Source = "source";
    public const string Status = "status";
    public const string Observed = "observed";
    public const string Expected = "expected";
    public const string CheckedAt = "checkedAt";
    public const string RefreshId = "refreshId";

    /// <summary>The history partition of one (check, source); names of checks and sources hold no '#'.</summary>
    public static string HistoryPartition(string check, string source) => $"quality#{check}#{source}";

    /// <summary>The (check, source) a history partition names, or null for another partition.</summary>
    public static (string Check, string Source)? ParseHistoryPartition(string pk)
    {
        var parts = pk.Split('#');
        return parts is ["quality", var check, var source] ? (check, source) : null;
    }

    public static Dictionary<string, AttributeValue> HistoryKey(CheckResult result) =>
        new() { [R.Pk] = S(HistoryPartition(result.Check, result.Source)), [R.Sk] = S(FormatTime(result.CheckedAt)) };

    public static Dictionary<string, AttributeValue> LatestKey(CheckResult result) =>
        new() { [R.Pk] = S(LatestPartition), [R.Sk] = S($"{result.Source}#{result.Check}") };

    public static Dictionary<string, AttributeValue> ToHistoryItem(CheckResult result)
    {
        var item = WithAttributes(HistoryKey(result), result);
        item[R.ListPk] = S(HistoryList);
        item[R.ListSk] = S($"{FormatTime(result.CheckedAt)}#{result.Check}#{result.Source}");
        return item;
    }

    public static Dictionary<string, AttributeValue> ToLatestItem(CheckResult result) => WithAttributes(LatestKey(result), result);

    private static Dictionary<string, AttributeValue> WithAttributes(Dictionary<string, AttributeValue> item, CheckResult result)
    {
        item[Check] = S(result.Check);
        item[Source] = S(result.Source);
        item[Status] = S(ToWire(result.Status));
        item[Observed] = S(result.Observed);
        item[Expected] = S(result.Expected);
        item[CheckedAt] = Time(result.CheckedAt);
        item.SetIfNotNull(RefreshId, result.RefreshId);
        return item;
    }

    public static CheckResult FromItem(Dictionary<string, AttributeValue> item) => new(
        item.GetRequiredString(Check), item.GetRequiredString(Source), ParseStatus(item.GetRequiredString(Status)),
        item.GetString(Observed) ?? "", item.GetString(Expected) ?? "", item.GetRequiredTime(CheckedAt), item.GetString(RefreshId));

    public static string ToWire(CheckStatus status) => status switch
    {
        CheckStatus.Passed => "passed",
        CheckStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static CheckStatus ParseStatus(string value) => value switch
    {
        "passed" => CheckStatus.Passed,
        "failed" => CheckStatus.Failed,
        _ => throw new FormatException($"Unknown check status '{value}'."),
    };
}
