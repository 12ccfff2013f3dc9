using System.Text.Json;

namespace Pipeline.Core.Sources;

/// <summary>
/// Strings that repeat across records (categories, brands, statuses, tags), kept per thread by their UTF-8 bytes so that
/// a page of products shares one string instance (and one slug) per distinct value instead of allocating each again.
/// Direct-mapped and bounded: 256 slots of values up to 64 bytes; a collision only costs a new string.
/// </summary>
internal sealed class RepeatedStrings
{
    private const int Slots = 256, MaxBytes = 64;

    [ThreadStatic] private static RepeatedStrings? _forThisThread;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string[] _values = new string[Slots];
    private readonly string?[] _slugs = new string?[Slots];

    public static RepeatedStrings ForThisThread => _forThisThread ??= new RepeatedStrings();

    /// <summary>The string token's value (as <see cref="Utf8JsonReader.GetString"/> gives it) and, when asked, its <see cref="Slug"/>.</summary>
    public (string Value, string? Slug) Get(ref Utf8JsonReader reader, bool slug)
    {
        var bytes = reader.ValueSpan;
        if (reader.ValueIsEscaped || bytes.Length > MaxBytes)
        {
            var value = reader.GetString()!;
            return (value, slug ? Slug.From(value) : null);
        }
        if (bytes.IsEmpty) return ("", slug ? "" : null);
        // A cheap slot from the length and three bytes: a collision only costs a new string.
        var slot = (bytes.Length * 31 + bytes[0] * 7 + bytes[bytes.Length / 2] * 3 + bytes[^1]) & (Slots - 1);
        if (_keys[slot] is { } key && bytes.SequenceEqual(key))
        {
            if (slug) return (_values[slot], _slugs[slot] ??= Slug.From(_values[slot]));
            return (_values[slot], null);
        }
        // GetString, not a plain decode, so that a value the reader would refuse is refused alike.
        var created = reader.GetString()!;
        _keys[slot] = bytes.ToArray();
        _values[slot] = created;
        _slugs[slot] = slug ? Slug.From(created) : null;
        return (created, _slugs[slot]);
    }
}
