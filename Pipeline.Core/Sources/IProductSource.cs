using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>A planned page: what to ask the source for.</summary>
public readonly record struct PagePlan(int Page, int Skip, int Limit);

/// <summary>A page as the source served it: verbatim bytes and where they came from.</summary>
public sealed record FetchedPage(byte[] Bytes, string SourceUrl, string ContentType);

/// <summary>A public product catalog: plans its pages and fetches one page at a time.</summary>
public interface IProductSource
{
    /// <summary>Lower-case name used in the API, the raw keys and product ids.</summary>
    string Name { get; }

    CatalogFormat Format { get; }

    /// <summary>Validates and normalises run options; throws <see cref="InvalidOptionException"/> naming the option.</summary>
    IReadOnlyDictionary<string, string> NormalizeOptions(IReadOnlyDictionary<string, string> options);

    Task<IReadOnlyList<PagePlan>> PlanAsync(IReadOnlyDictionary<string, string> options, CancellationToken ct);

    /// <summary>Fetches one page; throws <see cref="SourceFetchException"/> when the source cannot serve it.</summary>
    Task<FetchedPage> FetchAsync(FetchTask task, CancellationToken ct);
}

/// <summary>An option of a run request is invalid.</summary>
public sealed class InvalidOptionException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>The source could not serve a page (after the HTTP pipeline's own retries).</summary>
public sealed class SourceFetchException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}

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
