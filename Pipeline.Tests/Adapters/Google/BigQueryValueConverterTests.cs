using System.Text.Json;
using Pipeline.Adapters.Google;

namespace Pipeline.Tests.Adapters.Google;

/// <summary>f/v cells converted with the schema's types.</summary>
public sealed class BigQueryValueConverterTests
{
    private static JsonElement Cell(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static object? Convert(string type, string cellJson, string? mode = null) =>
        BigQueryValueConverter.Convert(new TableFieldSchema { Name = "c", Type = type, Mode = mode }, Cell(cellJson));

    [Fact]
    public void Int64_arrives_as_a_string_and_becomes_a_long()
    {
        Assert.Equal(42L, Convert("INT64", "\"42\""));
        Assert.Equal(-9_007_199_254_740_993L, Convert("INTEGER", "\"-9007199254740993\"")); // beyond double precision
        Assert.Throws<FormatException>(() => Convert("INT64", "\"4.2\""));
    }

    [Fact]
    public void Numeric_keeps_every_digit()
    {
        Assert.Equal(12.30m, Convert("NUMERIC", "\"12.30\""));
        Assert.Equal(9999999999999999999.999999999m, Convert("NUMERIC", "\"9999999999999999999.999999999\""));
        Assert.Equal(-0.000000001m, Convert("BIGNUMERIC", "\"-1E-9\""));
    }

    [Fact]
    public void Float64_handles_special_values()
    {
        Assert.Equal(1.5, Convert("FLOAT64", "\"1.5\""));
        Assert.Equal(1.5e300, Convert("FLOAT", "\"1.5E300\""));
        Assert.True(double.IsNaN((double)Convert("FLOAT64", "\"NaN\"")!));
        Assert.Equal(double.PositiveInfinity, Convert("FLOAT64", "\"Infinity\""));
        Assert.Equal(double.NegativeInfinity, Convert("FLOAT64", "\"-Infinity\""));
    }

    [Theory]
    [InlineData("\"1.7E9\"", "2023-11-14T22:13:20.000000+00:00")]
    [InlineData("\"1.746086400123456E9\"", "2025-05-01T08:00:00.123456+00:00")]
    [InlineData("\"1746086400.5\"", "2025-05-01T08:00:00.500000+00:00")]
    [InlineData("\"0.0\"", "1970-01-01T00:00:00.000000+00:00")]
    [InlineData("\"-1.5\"", "1969-12-31T23:59:58.500000+00:00")]
    public void Timestamp_arrives_as_float_seconds_often_in_E_notation_and_is_exact_to_the_microsecond(string cell, string expected)
    {
        var value = Assert.IsType<DateTimeOffset>(Convert("TIMESTAMP", cell));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Fact]
    public void Bool_string_date_and_bytes()
    {
        Assert.Equal(true, Convert("BOOL", "\"true\""));
        Assert.Equal(false, Convert("BOOLEAN", "\"false\""));
        Assert.Equal("héllo", Convert("STRING", "\"héllo\""));
        Assert.Equal(new DateOnly(2025, 5, 1), Convert("DATE", "\"2025-05-01\""));
        Assert.Equal(new byte[] { 1, 2, 3 }, Convert("BYTES", "\"AQID\""));
        Assert.Throws<FormatException>(() => Convert("BOOL", "\"yes\""));
    }

    [Fact]
    public void Null_is_null_for_every_type()
    {
        foreach (var type in new[] { "STRING", "INT64", "NUMERIC", "FLOAT64", "BOOL", "TIMESTAMP", "RECORD" })
            Assert.Null(Convert(type, "null"));
    }

    [Fact]
    public void Repeated_fields_are_arrays_of_v_cells()
    {
        var value = Convert("INT64", """[{"v":"1"},{"v":"2"},{"v":null}]""", mode: "REPEATED");
        Assert.Equal(new object?[] { 1L, 2L, null }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(value));
    }

    [Fact]
    public void Records_are_nested_rows()
    {
        var field = new TableFieldSchema
        {
            Name = "r", Type = "RECORD",
            Fields = [new() { Name = "a", Type = "STRING" }, new() { Name = "b", Type = "NUMERIC" }],
        };
        var row = Assert.IsType<BigQueryRow>(BigQueryValueConverter.Convert(field, Cell("""{"f":[{"v":"x"},{"v":"2.50"}]}""")));
        Assert.Equal("x", row.GetString("a"));
        Assert.Equal(2.50m, row.GetDecimal("b"));
    }

    [Fact]
    public void Whole_rows_convert_positionally_and_typed_accessors_say_what_is_wrong()
    {
        IReadOnlyList<TableFieldSchema> fields =
        [
            new() { Name = "id", Type = "STRING" }, new() { Name = "n", Type = "INTEGER" },
            new() { Name = "avg", Type = "FLOAT" }, new() { Name = "gone", Type = "TIMESTAMP" },
        ];
        var row = BigQueryValueConverter.ConvertRow(fields, new TableRow(
            [new TableCell(Cell("\"a\"")), new TableCell(Cell("\"7\"")), new TableCell(Cell("\"3.25\"")), new TableCell(Cell("null"))]));
        Assert.Equal("a", row.GetString("id"));
        Assert.Equal(7L, row.GetInt64("N"));
        Assert.Equal(7m, row.GetDecimal("n"));
        Assert.Equal(3.25m, row.GetDecimal("avg"));
        Assert.Null(row.GetNullableTimestamp("gone"));
        Assert.Contains("NULL", Assert.Throws<InvalidOperationException>(() => row.GetTimestamp("gone")).Message);
        Assert.Throws<KeyNotFoundException>(() => row["missing"]);
        Assert.Throws<FormatException>(() => BigQueryValueConverter.ConvertRow(fields, new TableRow([new TableCell(Cell("\"a\""))])));
    }

    [Fact]
    public void Unknown_types_are_refused_rather_than_guessed()
    {
        Assert.Throws<NotSupportedException>(() => Convert("MYSTERY", "\"1\""));
    }
}
