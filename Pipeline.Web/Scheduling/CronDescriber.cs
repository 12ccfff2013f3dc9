using System.Globalization;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// Puts the common forms of a standard 5-field cron expression into words ("Every 6 hours, at 00:00, 06:00, 12:00 and
/// 18:00 UTC", "Every day at 03:30 UTC", "Every weekday (Monday to Friday) at 08:00 UTC"). Forms it does not know are
/// returned as the expression itself, so an unusual schedule is never described wrongly.
/// </summary>
public static class CronDescriber
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] DayWords = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] MonthWords = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12];

    /// <summary>A cron field: either every value (<c>*</c>), or an explicit set of values.</summary>
    private sealed record Field(bool Any, int? Step, SortedSet<int> Values, string Raw);

    /// <summary>True for a macro or 5 fields of numbers, names, <c>*</c>, <c>?</c>, ranges, lists and steps within range.</summary>
    public static bool IsWellFormed(string? cron) => TryParse(cron, out _);

    public static string Describe(string cron)
    {
        if (!TryParse(cron, out var f)) return $"Cron \"{cron}\" (UTC)";
        var (minute, hour, dom, month, dow) = (f[0], f[1], f[2], f[3], f[4]);
        var everyDay = dom.Any && month.Any && dow.Any;

        if (minute.Any && hour.Any && everyDay) return "Every minute";
        if (minute.Raw.StartsWith("*/", StringComparison.Ordinal) && minute.Step is { } ms && hour.Any && everyDay) return $"Every {ms} minutes";
        if (!minute.Any && minute.Step is null && hour.Any && everyDay)
        {
            if (minute.Values.Count == 1)
                return minute.Values.Min == 0 ? "Every hour, on the hour" : $"Every hour at {minute.Values.Min} minutes past the hour";
            return $"Every hour at minutes {JoinWords(minute.Values.Select(v => v.ToString(CultureInfo.InvariantCulture)))}";
        }
        if (minute.Values.Count != 1 || minute.Any) return Fallback(cron);
        var m = minute.Values.Min;

        if (hour.Step is { } hs && everyDay && hs > 1)
        {
            var times = hour.Values.Select(h => Time(h, m)).ToList();
            return times.Count <= 8
                ? $"Every {hs} hours, at {JoinWords(times)} UTC"
                : m == 0 ? $"Every {hs} hours, on the hour (UTC)" : $"Every {hs} hours at {m} minutes past the hour (UTC)";
        }
        if (hour.Any || hour.Values.Count > 6) return Fallback(cron);
        var at = $"at {JoinWords(hour.Values.Select(h => Time(h, m)))} UTC";

        if (everyDay) return $"Every day {at}";
        if (dom.Any && month.Any) return $"{Days(dow.Values)} {at}";
        if (!dom.Any && dow.Any && dom.Values.Count <= 4)
        {
            var days = JoinWords(dom.Values.Select(Ordinal));
            if (month.Any) return $"On the {days} of every month {at}";
            if (month.Values.Count <= 3) return $"On the {days} of {JoinWords(month.Values.Select(v => MonthWords[v - 1]))} {at}";
        }
        return Fallback(cron);
    }

    /// <summary>
    /// The longest wait between two consecutive firings over 25 months from a fixed Monday (UTC), so that monthly and
    /// yearly schedules count: "every 6 hours" gives 6 h, a weekday schedule 3 days (over the weekend), a monthly one 31
    /// days. Null for an expression that is not well formed or fires at most once in that time.
    /// </summary>
    public static TimeSpan? LongestGap(string cron)
    {
        if (!TryParse(cron, out var f)) return null;
        var (minute, hour, dom, month, dow) = (f[0], f[1], f[2], f[3], f[4]);
        var start = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);
        DateTime? previous = null;
        TimeSpan? longest = null;
        for (var day = start; day < start.AddMonths(25); day = day.AddDays(1))
        {
            // Standard cron: when both day fields are restricted, either one matching is enough.
            var dayMatches = dom.Any || dow.Any
                ? dom.Values.Contains(day.Day) && dow.Values.Contains((int)day.DayOfWeek)
                : dom.Values.Contains(day.Day) || dow.Values.Contains((int)day.DayOfWeek);
            if (!dayMatches || !month.Values.Contains(day.Month)) continue;
            foreach (var h in hour.Values)
            foreach (var m in minute.Values)
            {
                var at = day.AddHours(h).AddMinutes(m);
                if (previous is { } p && (longest is null || at - p > longest)) longest = at - p;
                previous = at;
            }
        }
        return longest;
    }

    private static string Fallback(string cron) => $"Cron \"{cron.Trim()}\" (UTC)";

    private static string Days(SortedSet<int> days)
    {
        if (days.SetEquals([1, 2, 3, 4, 5])) return "Every weekday (Monday to Friday)";
        if (days.SetEquals([0, 6])) return "Every Saturday and Sunday";
        // Monday first, the way a week reads.
        return "Every " + JoinWords(days.OrderBy(d => (d + 6) % 7).Select(d => DayWords[d]));
    }

    private static string Time(int hour, int minute) => $"{hour:00}:{minute:00}";

    private static string Ordinal(int n) => n + ((n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    private static string JoinWords(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            _ => string.Join(", ", list[..^1]) + " and " + list[^1],
        };
    }

    private static bool TryParse(string? cron, out Field[] fields)
    {
        fields = [];
        if (string.IsNullOrWhiteSpace(cron) || cron.Length > 200) return false;
        var text = cron.Trim();
        if (Macros.TryGetValue(text, out var expanded)) text = expanded;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5) return false;
        (int Min, int Max, string[]? Names)[] ranges = [(0, 59, null), (0, 23, null), (1, 31, null), (1, 12, MonthNames), (0, 7, DayNames)];
        var parsed = new Field[5];
        for (var i = 0; i < 5; i++)
        {
            if (!TryParseField(parts[i], ranges[i].Min, ranges[i].Max, ranges[i].Names, i == 3, out var field)) return false;
            if (i == 4 && field.Values.Remove(7)) field.Values.Add(0); // 7 is Sunday too
            parsed[i] = field;
        }
        fields = parsed;
        return true;
    }

    private static bool TryParseField(string raw, int min, int max, string[]? names, bool namesFromOne, out Field field)
    {
        field = null!;
        if (raw is "*" or "?")
        {
            field = new Field(true, null, new SortedSet<int>(Enumerable.Range(min, max - min + 1)), raw);
            return true;
        }
        var values = new SortedSet<int>();
        int? step = null;
        var any = false;
        foreach (var item in raw.Split(','))
        {
            var range = item;
            var every = 1;
            var slash = item.IndexOf('/');
            if (slash >= 0)
            {
                if (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out every) || every < 1 || every > max) return false;
                range = item[..slash];
                step = every;
            }
            int from, to;
            if (range is "*" or "?")
            {
                (from, to) = (min, max);
                if (!raw.Contains(',')) any = true;
            }
            else
            {
                var dash = range.IndexOf('-');
                if (dash < 0)
                {
                    if (!TryValue(range, min, max, names, namesFromOne, out from)) return false;
                    to = slash >= 0 ? max : from;
                }
                else if (!TryValue(range[..dash], min, max, names, namesFromOne, out from)
                         || !TryValue(range[(dash + 1)..], min, max, names, namesFromOne, out to) || to < from) return false;
            }
            for (var v = from; v <= to; v += every) values.Add(v);
        }
        if (values.Count == 0) return false;
        // "*/1" is every value, like "*"; "*/n" is every n-th one.
        field = new Field(any && step == 1, step == 1 ? null : step, values, raw);
        return true;
    }

    private static bool TryValue(string text, int min, int max, string[]? names, bool namesFromOne, out int value)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)) return value >= min && value <= max;
        if (names is not null)
        {
            var index = Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                value = namesFromOne ? index + 1 : index;
                return true;
            }
        }
        return false;
    }
}
