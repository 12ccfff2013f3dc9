
namespace Pipeline.Core.Sources;

internal static class OptionReader
{
    public static int ReadInt(IReadOnlyDictionary<string, string> options, string name, int fallback, int min, int max)
    {
        if (!options.TryGetValue(name, out var raw)) return fallback;
        if (!int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
            throw new InvalidOptionException($"options.{name}", $"'{name}' must be a whole number.");
        if (value < min || value > max)
            throw new InvalidOptionException($"options.{name}", $"'{name}' must be between {min} and {max}.");
        return value;
    }

    public static void RejectUnknown(IReadOnlyDictionary<string, string> options, params string[] known)
    {
        foreach (var key in options.Keys)
            if (!known.Contains(key, StringComparer.Ordinal))
                throw new InvalidOptionException($"options.{key}",
                    known.Length == 0 ? $"This source takes no options ('{key}' given)." : $"Unknown option '{key}'. Known: {string.Join(", ", known)}.");
    }
}
