using System.Text;

namespace Pipeline.Adapters.Local;

/// <summary>
/// Text values encoded to UTF-8 once, on the thread that creates them, into one buffer. A SQLite writer binds them as
/// they are (<see cref="SqliteStatement.Text(int, Utf8Values, int)"/>): no transcoding and no allocation on its thread,
/// which every write waits for.
/// </summary>
public sealed class Utf8Values
{
    private readonly byte[] _bytes;
    private readonly int[] _starts;
    private readonly int[] _lengths;

    /// <param name="values">The values, in the order they are read back; nulls stay null.</param>
    public Utf8Values(params ReadOnlySpan<string?> values)
    {
        _starts = new int[values.Length];
        _lengths = new int[values.Length];
        var total = 0;
        for (var i = 0; i < values.Length; i++)
            if (values[i] is { } value) total += Encoding.UTF8.GetByteCount(value);
        _bytes = new byte[total];
        var at = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is not { } value)
            {
                _lengths[i] = -1;
                continue;
            }
            var length = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(at));
            (_starts[i], _lengths[i]) = (at, length);
            at += length;
        }
    }

    /// <summary>How many values there are.</summary>
    public int Count => _lengths.Length;

    /// <summary>True when value <paramref name="index"/> is null.</summary>
    public bool IsNull(int index) => _lengths[index] < 0;

    /// <summary>The UTF-8 bytes of value <paramref name="index"/> (empty for null and for the empty string).</summary>
    public ReadOnlySpan<byte> this[int index] => IsNull(index) ? default : _bytes.AsSpan(_starts[index], _lengths[index]);
}
