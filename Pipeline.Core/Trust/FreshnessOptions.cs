using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Pipeline.Core.Trust;

/// <summary>
/// The freshness limits configured per source, <c>Pipeline:Sources:&lt;Name&gt;:FreshnessMaxAge</c> (a TimeSpan such as
/// <c>12:00:00</c> or <c>1.00:00:00</c>), read from every child of <c>Pipeline:Sources</c>. Values that do not parse are
/// kept by key so that the start is refused naming them.
/// </summary>
public sealed class FreshnessOptions
{
    public const string SourcesSection = "Pipeline:Sources";
    public const string Key = "FreshnessMaxAge";

    /// <summary>Limits by source name (case-insensitive).</summary>
    public Dictionary<string, TimeSpan> MaxAge { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Configured values that are not a positive TimeSpan, by their full key.</summary>
    public Dictionary<string, string> Invalid { get; } = new(StringComparer.Ordinal);

    public void ReadFrom(IConfiguration configuration)
    {
        foreach (var source in configuration.GetSection(SourcesSection).GetChildren())
        {
            if (source[Key] is not { } raw || string.IsNullOrWhiteSpace(raw)) continue; // blank: not set
            // With a colon: "12" alone would parse as 12 days, not what anyone writing it means.
            if (raw.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(raw.Trim(), CultureInfo.InvariantCulture, out var limit) && limit > TimeSpan.Zero)
                MaxAge[source.Key] = limit;
            else Invalid[$"{SourcesSection}:{source.Key}:{Key}"] = raw;
        }
    }
}
