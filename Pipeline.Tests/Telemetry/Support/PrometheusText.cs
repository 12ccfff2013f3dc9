using System.Globalization;
using System.Text;

namespace Pipeline.Tests.Telemetry.Support;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4): <c># HELP</c> and <c># TYPE</c> lines, samples
/// with escaped label values, blank lines. A line of any other shape, or a sample of a family with no <c># TYPE</c>,
/// fails the parse.
/// </summary>
public sealed class PrometheusText
{
    private static readonly string[] Suffixes = ["_bucket", "_sum", "_count", "_total", "_created", "_info"];

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);
    public List<PrometheusSample> Samples { get; } = [];

    public static PrometheusText Parse(string text)
    {
        var parsed = new PrometheusText();
        foreach (var (line, number) in text.Split('\n').Select((l, i) => (l.TrimEnd('\r'), i + 1)))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                if (parts.Length != 2 || !IsName(parts[0])) throw new FormatException($"Line {number}: malformed metadata: {line}");
                (line[2] == 'H' ? parsed.Help : parsed.Types)[parts[0]] = parts[1];
                if (line[2] == 'T' && parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    throw new FormatException($"Line {number}: unknown type: {line}");
                continue;
            }
            if (line.StartsWith('#')) continue; // another comment
            var sample = Sample(line, number);
            if (!parsed.Types.ContainsKey(sample.Name) && !Suffixes.Any(s => sample.Name.EndsWith(s, StringComparison.Ordinal) && parsed.Types.ContainsKey(sample.Name[..^s.Length])))
                throw new FormatException($"Line {number}: sample of a family with no # TYPE: {line}");
            parsed.Samples.Add(sample);
        }
        return parsed;
    }

    private static PrometheusSample Sample(string line, int number)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' ')) i++;
        var name = line[..i];
        if (!IsName(name)) throw new FormatException($"Line {number}: bad metric name: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var label = line[i..eq];
                if (!IsName(label) || line[eq + 1] != '"') throw new FormatException($"Line {number}: bad label: {line}");
                var value = new StringBuilder();
                for (i = eq + 2; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"Line {number}: bad escape: {line}") });
                    }
                    else value.Append(line[i]);
                }
                labels[label] = value.ToString();
                i++;
                if (line[i] == ',') i++;
            }
            i++;
        }
        var rest = line[i..].Trim().Split(' ');
        if (rest.Length is < 1 or > 2 || !double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var sampleValue)
            && rest[0] is not ("+Inf" or "-Inf" or "NaN"))
            throw new FormatException($"Line {number}: bad value: {line}");
        return new PrometheusSample(name, labels, rest[0] switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => sampleValue });
    }

    private static bool IsName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');
}
