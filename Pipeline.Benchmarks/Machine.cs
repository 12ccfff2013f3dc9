using System.Globalization;
using System.Runtime.InteropServices;

namespace Pipeline.Benchmarks;

/// <summary>What the numbers were measured on, and the process's memory as Linux reports it.</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadKb("/proc/meminfo", "MemTotal");
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[..3] : ["?", "?", "?"];
        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({cpu}), {memKb / 1024.0 / 1024.0:0.0} GiB RAM, {RuntimeInformation.OSDescription}, " +
            $".NET {Environment.Version}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, load average {string.Join(' ', load)}");
    }

    /// <summary>Peak resident set (VmHWM) of this process in bytes.</summary>
    public static long PeakWorkingSet() => ReadKb("/proc/self/status", "VmHWM") * 1024;

    /// <summary>Current resident set (VmRSS) in bytes.</summary>
    public static long WorkingSet() => ReadKb("/proc/self/status", "VmRSS") * 1024;

    private static string? ReadField(string file, string name)
    {
        if (!File.Exists(file)) return null;
        foreach (var line in File.ReadLines(file))
            if (line.StartsWith(name, StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
                return line[(colon + 1)..].Trim();
        return null;
    }

    private static long ReadKb(string file, string name)
    {
        var value = ReadField(file, name);
        if (value is null) return 0;
        var digits = value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return long.Parse(digits, CultureInfo.InvariantCulture);
    }
}

/// <summary>A markdown table, printed as the benchmarks go and collected into the report.</summary>
public sealed class Table(string title, params string[] columns)
{
    private readonly List<string[]> _rows = [];

    public string Title { get; } = title;

    public Table Add(params object[] cells)
    {
        _rows.Add(cells.Select(Format).ToArray());
        return this;
    }

    private static string Format(object cell) => cell switch
    {
        double d => d >= 100 ? d.ToString("N0", CultureInfo.InvariantCulture) : d.ToString("0.##", CultureInfo.InvariantCulture),
        float f => Format((double)f),
        long or int => string.Format(CultureInfo.InvariantCulture, "{0:N0}", cell),
        _ => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
    };

    public override string ToString()
    {
        var lines = new List<string> { $"### {Title}", "", "| " + string.Join(" | ", columns) + " |", "|" + string.Concat(columns.Select(_ => " --- |")) };
        lines.AddRange(_rows.Select(r => "| " + string.Join(" | ", r) + " |"));
        return string.Join('\n', lines) + "\n";
    }
}

/// <summary>Everything printed, so the bench command can write the whole report to a file at the end.</summary>
public static class Report
{
    private static readonly List<string> Sections = [];

    public static void Print(Table table) => Print(table.ToString());

    /// <summary>Collect without printing (a child process hands its tables to the bench command instead).</summary>
    public static bool Quiet { get; set; }

    public static void Print(string text)
    {
        if (!Quiet) Console.WriteLine(text);
        lock (Sections) Sections.Add(text);
    }

    public static void Note(string text) => Console.Error.WriteLine(text);

    public static string All()
    {
        lock (Sections) return string.Join('\n', Sections);
    }

    public static double Mb(long bytes) => bytes / 1024.0 / 1024.0;

    public static double Median(IReadOnlyList<double> sorted) => Percentile(sorted, 0.5);

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
