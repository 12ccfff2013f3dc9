namespace Pipeline.Adapters.Google;

/// <summary>One converted result row: values by position or by column name, with typed accessors.</summary>
public sealed class BigQueryRow
{
    private readonly IReadOnlyList<TableFieldSchema> _fields;
    private readonly object?[] _values;

    public BigQueryRow(IReadOnlyList<TableFieldSchema> fields, object?[] values)
    {
        if (fields.Count != values.Length) throw new ArgumentException("One value per field is required.", nameof(values));
        _fields = fields;
        _values = values;
    }

    public IReadOnlyList<TableFieldSchema> Fields => _fields;

    public int Count => _values.Length;

    public object? this[int ordinal] => _values[ordinal];

    public object? this[string name] => _values[Ordinal(name)];

    public int Ordinal(string name)
    {
        for (var i = 0; i < _fields.Count; i++)
            if (string.Equals(_fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        throw new KeyNotFoundException($"The result has no column '{name}'; it has {string.Join(", ", _fields.Select(f => f.Name))}.");
    }

    public string GetString(string name) => this[name] as string ?? throw NullOrWrong(name, "STRING");

    public string? GetNullableString(string name) => this[name] switch
    {
        null => null,
        string s => s,
        _ => throw NullOrWrong(name, "STRING"),
    };

    public long GetInt64(string name) => this[name] switch
    {
        long l => l,
        _ => throw NullOrWrong(name, "INT64"),
    };

    /// <summary>A NUMERIC value; INT64 and FLOAT64 columns widen to decimal.</summary>
    public decimal GetDecimal(string name) => GetNullableDecimal(name) ?? throw NullOrWrong(name, "NUMERIC");

    /// <summary>A NUMERIC value or null; INT64 and FLOAT64 columns widen to decimal.</summary>
    public decimal? GetNullableDecimal(string name) => this[name] switch
    {
        null => null,
        decimal d => d,
        long l => l,
        double f when double.IsFinite(f) => (decimal)f,
        _ => throw NullOrWrong(name, "NUMERIC"),
    };

    public DateTimeOffset GetTimestamp(string name) => GetNullableTimestamp(name) ?? throw NullOrWrong(name, "TIMESTAMP");

    public DateTimeOffset? GetNullableTimestamp(string name) => this[name] switch
    {
        null => null,
        DateTimeOffset t => t,
        _ => throw NullOrWrong(name, "TIMESTAMP"),
    };

    private InvalidOperationException NullOrWrong(string name, string expected)
    {
        var value = this[name];
        return new InvalidOperationException(value is null
            ? $"Column '{name}' is NULL where a {expected} value was expected."
            : $"Column '{name}' holds a {value.GetType().Name} where a {expected} value was expected.");
    }
}
