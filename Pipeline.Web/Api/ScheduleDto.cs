using Pipeline.Web.Scheduling;

namespace Pipeline.Web.Api;

/// <summary>A schedule on the wire: <c>{id, cron, description, nextRunAt, lastRunAt, lastOutcome, paused}</c>.</summary>
public sealed record ScheduleDto(
    string Id, string Cron, string Description, DateTimeOffset? NextRunAt, DateTimeOffset? LastRunAt, string? LastOutcome, bool Paused)
{
    public static ScheduleDto From(ScheduleStatus s) => new(s.Id, s.Cron, s.Description, s.NextRunAt, s.LastRunAt, s.LastOutcome, s.Paused);
}
