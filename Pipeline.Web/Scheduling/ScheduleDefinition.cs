namespace Pipeline.Web.Scheduling;

/// <summary>A configured schedule, as the scheduler uses it.</summary>
public sealed record ScheduleDefinition(string Id, string Cron, IReadOnlyList<string> Sources, bool RefreshWarehouse);
