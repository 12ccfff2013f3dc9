using System.Globalization;

namespace Pipeline.Web.Components.Shared;

/// <summary>
/// How the dashboard writes numbers, sizes, rates, prices and times: one place, so that every page reads alike.
/// Culture-invariant (a comma between thousands, a point before decimals), whatever the server's culture.
/// </summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The catalog APIs (DummyJSON, FakeStore, Synthetic) price in US dollars.</summary>
    public const string CurrencySymbol = "$";

    /// <summary>20000 → "20,000".</summary>
    public static string Count(long value) => value.ToString("N0", Invariant);

    /// <summary>A count that may be absent: null → "—".</summary>
    public static string Count(long? value) => value is { } v ? Count(v) : "—";

    /// <summary>11801.1 → "11,801/s"; below 10, one decimal ("2.5/s").</summary>
    public static string Rate(double perSecond) =>
        double.IsFinite(perSecond) ? (Math.Abs(perSecond) < 10 ? perSecond.ToString("N1", Invariant) : perSecond.ToString("N0", Invariant)) + "/s" : "—";

    /// <summary>19.99 → "$19.99"; negative prices keep their sign before the symbol.</summary>
    public static string Price(decimal value) =>
        (value < 0 ? "-" : "") + CurrencySymbol + Math.Abs(value).ToString("N2", Invariant);

    /// <summary>A price that may be absent: null → "—".</summary>
    public static string Price(decimal? value) => value is { } v ? Price(v) : "—";

    /// <summary>A signed percentage: 12.345 → "+12.3 %", -4 → "-4.0 %".</summary>
    public static string Percent(decimal value) => (value > 0 ? "+" : "") + value.ToString("N1", Invariant) + " %";

    /// <summary>Bytes in binary units: 1536 → "1.5 KiB", 300 → "300 B".</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes.ToString("N0", Invariant)} B" : $"{value.ToString(value < 10 ? "N1" : "N0", Invariant)} {units[unit]}";
    }

    /// <summary>A duration as people say it: "850 ms", "12.4 s", "3 min 05 s", "2 h 07 min", "3 d 4 h".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = span.Negate();
        if (span.TotalSeconds < 1) return $"{(int)span.TotalMilliseconds} ms";
        if (span.TotalSeconds < 60) return $"{span.TotalSeconds.ToString("0.0", Invariant)} s";
        if (span.TotalMinutes < 60) return $"{(int)span.TotalMinutes} min {span.Seconds:00} s";
        if (span.TotalHours < 24) return $"{(int)span.TotalHours} h {span.Minutes:00} min";
        return $"{(int)span.TotalDays} d {span.Hours} h";
    }

    /// <summary>A duration that may be open or absent: null → "—".</summary>
    public static string Duration(TimeSpan? span) => span is { } s ? Duration(s) : "—";

    /// <summary>The absolute time, in UTC: "2026-12-07 11:59:05 UTC".</summary>
    public static string Absolute(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Invariant) + " UTC";

    /// <summary>A time relative to <paramref name="now"/>: "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago", "in 4 min".</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var delta = now - at;
        var future = delta < TimeSpan.Zero;
        var span = future ? delta.Negate() : delta;
        string amount;
        if (span.TotalSeconds < 5) return "just now";
        if (span.TotalSeconds < 60) amount = $"{(int)span.TotalSeconds} s";
        else if (span.TotalMinutes < 60) amount = $"{(int)span.TotalMinutes} min";
        else if (span.TotalHours < 48) amount = $"{(int)span.TotalHours} h";
        else if (span.TotalDays < 60) amount = $"{(int)span.TotalDays} d";
        else return at.UtcDateTime.ToString("yyyy-MM-dd", Invariant);
        return future ? $"in {amount}" : $"{amount} ago";
    }
}
