using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Web.Scheduling;

/// <summary>How an execution of a schedule ended (camelCase on the wire, like run statuses).</summary>
public static class ScheduleOutcomes
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string PartiallySucceeded = "partiallySucceeded";
    public const string Failed = "failed";

    public static bool IsActive(string? outcome) => outcome is Queued or Running;

    /// <summary>The worse of two outcomes: failed over partiallySucceeded over succeeded.</summary>
    public static string Worst(string a, string b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(string outcome) => outcome switch
    {
        Failed => 2,
        PartiallySucceeded => 1,
        _ => 0,
    };
}

/// <summary>A schedule as the dashboard and the API show it.</summary>
public sealed record ScheduleStatus(
    string Id,
    string Cron,
    string Description,
    IReadOnlyList<string> Sources,
    bool RefreshWarehouse,
    bool Paused,
    DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt,
    string? LastOutcome,
    string? LastSummary,
    string? LastJobId)
{
    public bool IsActive => ScheduleOutcomes.IsActive(LastOutcome);
}

/// <summary>One finished execution of a schedule, newest first in its history.</summary>
public sealed record ScheduleExecution(
    string? JobId,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string Outcome,
    IReadOnlyList<string> Steps);

public enum TriggerOutcome
{
    Queued,
    NotFound,
    AlreadyActive,
}

public sealed record TriggerResult(TriggerOutcome Outcome, string? JobId, ScheduleStatus? Schedule);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ScheduleExecution))]
internal sealed partial class SchedulingJsonContext : JsonSerializerContext;
