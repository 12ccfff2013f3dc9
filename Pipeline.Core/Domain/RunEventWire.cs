namespace Pipeline.Core.Domain;

/// <summary>The wire names of run event levels and stages (API, stores), and their parsing.</summary>
public static class RunEventWire
{
    public static string ToWire(this RunEventLevel level) => level switch
    {
        RunEventLevel.Info => "info",
        RunEventLevel.Warning => "warning",
        RunEventLevel.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    public static string ToWire(this RunEventStage stage) => stage switch
    {
        RunEventStage.Plan => "plan",
        RunEventStage.Fetch => "fetch",
        RunEventStage.Transform => "transform",
        RunEventStage.Store => "store",
        RunEventStage.Refresh => "refresh",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public static bool TryParseLevel(string? value, out RunEventLevel level)
    {
        foreach (var candidate in Enum.GetValues<RunEventLevel>())
        {
            if (candidate.ToWire() != value) continue;
            level = candidate;
            return true;
        }
        level = default;
        return false;
    }

    public static bool TryParseStage(string? value, out RunEventStage stage)
    {
        foreach (var candidate in Enum.GetValues<RunEventStage>())
        {
            if (candidate.ToWire() != value) continue;
            stage = candidate;
            return true;
        }
        stage = default;
        return false;
    }

    public static RunEventLevel ParseLevel(string value) =>
        TryParseLevel(value, out var level) ? level : throw new FormatException($"Unknown run event level '{value}'.");

    public static RunEventStage ParseStage(string value) =>
        TryParseStage(value, out var stage) ? stage : throw new FormatException($"Unknown run event stage '{value}'.");
}
