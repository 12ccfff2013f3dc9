using System.Globalization;

namespace Pipeline.Adapters.Google;

/// <summary>Builds typed named query parameters; scalar values are sent as strings, as the API requires.</summary>
public static class BigQueryParameter
{
    /// <summary>A STRING parameter; null sends SQL NULL.</summary>
    public static QueryParameter String(string name, string? value) => Scalar(name, "STRING", value);

    public static QueryParameter Int64(string name, long value) =>
        Scalar(name, "INT64", value.ToString(CultureInfo.InvariantCulture));

    public static QueryParameter Numeric(string name, decimal value) =>
        Scalar(name, "NUMERIC", value.ToString(CultureInfo.InvariantCulture));

    public static QueryParameter Bool(string name, bool value) => Scalar(name, "BOOL", value ? "true" : "false");

    /// <summary>A TIMESTAMP parameter in BigQuery's canonical form, UTC, to the microsecond.</summary>
    public static QueryParameter Timestamp(string name, DateTimeOffset value) =>
        Scalar(name, "TIMESTAMP", FormatTimestamp(value));

    /// <summary><c>yyyy-MM-dd HH:mm:ss.ffffff+00:00</c>, the canonical TIMESTAMP literal, in UTC.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    private static QueryParameter Scalar(string name, string type, string? value) => new()
    {
        Name = name,
        ParameterType = new QueryParameterType { Type = type },
        ParameterValue = new QueryParameterValue { Value = value },
    };
}
