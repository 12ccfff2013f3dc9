using System.Globalization;
using System.Text.Json;

namespace Pipeline.Adapters.Google;

/// <summary>
/// Converts the cells of BigQuery's f/v rows to CLR values using the result schema's types, never by guessing:
/// INT64 → <see cref="long"/>, NUMERIC/BIGNUMERIC → <see cref="decimal"/>, FLOAT64 → <see cref="double"/>,
/// BOOL → <see cref="bool"/>, TIMESTAMP → <see cref="DateTimeOffset"/> (UTC), DATE → <see cref="DateOnly"/>,
/// TIME → <see cref="TimeOnly"/>, DATETIME → <see cref="DateTime"/>, BYTES → <see cref="byte"/>[],
/// STRING/JSON/GEOGRAPHY and the rest → <see cref="string"/>; REPEATED → <see cref="IReadOnlyList{T}"/>;
/// RECORD/STRUCT → <see cref="BigQueryRow"/>; NULL → null.
/// </summary>
public static class BigQueryValueConverter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Converts one row (<c>{"f":[{"v":…},…]}</c>) against the given fields.</summary>
    public static BigQueryRow ConvertRow(IReadOnlyList<TableFieldSchema> fields, TableRow row)
    {
        if (row.F.Count != fields.Count)
            throw new FormatException($"A row has {row.F.Count} cells but the schema has {fields.Count} fields.");
        var values = new object?[fields.Count];
        for (var i = 0; i < fields.Count; i++) values[i] = Convert(fields[i], row.F[i].V);
        return new BigQueryRow(fields, values);
    }

    /// <summary>Converts one cell value <c>v</c> of the given field.</summary>
    public static object? Convert(TableFieldSchema field, JsonElement v)
    {
        if (v.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        if (string.Equals(field.Mode, "REPEATED", StringComparison.OrdinalIgnoreCase))
        {
            if (v.ValueKind != JsonValueKind.Array)
                throw new FormatException($"Field '{field.Name}' is REPEATED but its cell is a {v.ValueKind}.");
            var element = field with { Mode = "NULLABLE" };
            var items = new List<object?>(v.GetArrayLength());
            foreach (var item in v.EnumerateArray())
                items.Add(Convert(element, item.ValueKind == JsonValueKind.Object && item.TryGetProperty("v", out var inner) ? inner : item));
            return items;
        }
        return NormaliseType(field.Type) switch
        {
            "RECORD" => ConvertRecord(field, v),
            "STRING" or "JSON" or "GEOGRAPHY" or "INTERVAL" or "RANGE" => Scalar(field, v),
            "INT64" => ParseInt64(field, Scalar(field, v)),
            "NUMERIC" or "BIGNUMERIC" => ParseDecimal(field, Scalar(field, v)),
            "FLOAT64" => ParseDouble(field, Scalar(field, v)),
            "BOOL" => ParseBool(field, Scalar(field, v)),
            "TIMESTAMP" => ParseTimestamp(Scalar(field, v)),
            "DATE" => DateOnly.ParseExact(Scalar(field, v), "yyyy-MM-dd", Invariant),
            "TIME" => TimeOnly.Parse(Scalar(field, v), Invariant),
            "DATETIME" => DateTime.Parse(Scalar(field, v), Invariant, DateTimeStyles.None),
            "BYTES" => System.Convert.FromBase64String(Scalar(field, v)),
            var other => throw new NotSupportedException($"Field '{field.Name}' has BigQuery type '{other}', which this client does not convert."),
        };
    }

    /// <summary>
    /// Parses a TIMESTAMP cell: seconds since the Unix epoch as a float string (the API default, often in E-notation,
    /// e.g. <c>1.7E9</c> or <c>1.700000000123456E9</c>), or an ISO 8601 string. Exact to the microsecond.
    /// </summary>
    public static DateTimeOffset ParseTimestamp(string text)
    {
        if (decimal.TryParse(text, NumberStyles.Float, Invariant, out var seconds))
        {
            var micros = (long)decimal.Round(seconds * 1_000_000m, MidpointRounding.AwayFromZero);
            return DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond);
        }
        if (DateTimeOffset.TryParse(text, Invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var iso))
            return iso;
        throw new FormatException($"'{text}' is not a BigQuery TIMESTAMP value.");
    }

    /// <summary>Maps legacy type names (INTEGER, FLOAT, BOOLEAN, STRUCT) to their GoogleSQL names.</summary>
    public static string NormaliseType(string type) => type.ToUpperInvariant() switch
    {
        "INTEGER" => "INT64",
        "FLOAT" => "FLOAT64",
        "BOOLEAN" => "BOOL",
        "STRUCT" => "RECORD",
        "DECIMAL" => "NUMERIC",
        "BIGDECIMAL" => "BIGNUMERIC",
        var t => t,
    };

    private static BigQueryRow ConvertRecord(TableFieldSchema field, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("f", out var cells) || cells.ValueKind != JsonValueKind.Array)
            throw new FormatException($"Field '{field.Name}' is a RECORD but its cell is not a nested row.");
        var fields = field.Fields ?? [];
        var row = new TableRow(cells.EnumerateArray()
            .Select(c => new TableCell(c.ValueKind == JsonValueKind.Object && c.TryGetProperty("v", out var inner) ? inner : default))
            .ToList());
        return ConvertRow(fields, row);
    }

    private static string Scalar(TableFieldSchema field, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new FormatException($"Field '{field.Name}' ({field.Type}) has a {v.ValueKind} cell where a scalar was expected."),
    };

    private static long ParseInt64(TableFieldSchema field, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, Invariant, out var value)
            ? value
            : throw new FormatException($"Field '{field.Name}' (INT64) has the value '{text}'.");

    private static decimal ParseDecimal(TableFieldSchema field, string text) =>
        decimal.TryParse(text, NumberStyles.Float, Invariant, out var value)
            ? value
            : throw new FormatException($"Field '{field.Name}' ({field.Type}) has the value '{text}', which does not fit a decimal.");

    private static double ParseDouble(TableFieldSchema field, string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.TryParse(text, NumberStyles.Float, Invariant, out var value)
            ? value
            : throw new FormatException($"Field '{field.Name}' (FLOAT64) has the value '{text}'."),
    };

    private static bool ParseBool(TableFieldSchema field, string text) => text.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException($"Field '{field.Name}' (BOOL) has the value '{text}'."),
    };
}
