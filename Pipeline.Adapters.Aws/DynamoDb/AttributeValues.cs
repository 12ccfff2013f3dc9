using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>Conversions between .NET values and DynamoDB attribute values (times as fixed-width UTC ISO-8601 strings).</summary>
internal static class AttributeValues
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue N(int value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue N(decimal value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Bool(bool value) => new() { BOOL = value };

    /// <summary>Fixed width, so the strings sort in time order.</summary>
    public static string FormatTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static AttributeValue Time(DateTimeOffset value) => S(FormatTime(value));

    public static AttributeValue StringList(IEnumerable<string> values) =>
        new() { L = values.Select(S).ToList(), IsLSet = true };

    public static AttributeValue StringMap(IReadOnlyDictionary<string, string> values) =>
        new() { M = values.ToDictionary(kv => kv.Key, kv => S(kv.Value)), IsMSet = true };

    public static void SetIfNotNull(this Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null) item[name] = S(value);
    }

    public static void SetIfNotNull(this Dictionary<string, AttributeValue> item, string name, decimal? value)
    {
        if (value is { } v) item[name] = N(v);
    }

    public static void SetIfNotNull(this Dictionary<string, AttributeValue> item, string name, int? value)
    {
        if (value is { } v) item[name] = N(v);
    }

    public static void SetIfNotNull(this Dictionary<string, AttributeValue> item, string name, DateTimeOffset? value)
    {
        if (value is { } v) item[name] = Time(v);
    }

    public static string? GetString(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.S is not null ? v.S : null;

    public static string GetRequiredString(this Dictionary<string, AttributeValue> item, string name) =>
        item.GetString(name) ?? throw new InvalidDataException($"DynamoDB item has no string attribute '{name}'.");

    public static decimal? GetDecimal(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is not null ? decimal.Parse(v.N, NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    public static long GetLong(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is not null ? long.Parse(v.N, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;

    public static int? GetInt(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is not null ? int.Parse(v.N, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    public static bool GetBool(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.BOOL == true;

    public static DateTimeOffset? GetTime(this Dictionary<string, AttributeValue> item, string name) =>
        item.GetString(name) is { } s ? ParseTime(s) : null;

    public static DateTimeOffset GetRequiredTime(this Dictionary<string, AttributeValue> item, string name) =>
        ParseTime(item.GetRequiredString(name));

    public static IReadOnlyList<string> GetStringList(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.L is { } list ? list.Select(x => x.S ?? "").ToList() : [];

    public static IReadOnlyDictionary<string, string> GetStringMap(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.M is { } map
            ? map.ToDictionary(kv => kv.Key, kv => kv.Value.S ?? "")
            : new Dictionary<string, string>();

    public static DateTimeOffset ParseTime(string value) =>
        DateTimeOffset.ParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
