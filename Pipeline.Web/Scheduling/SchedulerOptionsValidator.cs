using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Scheduling;

/// <summary>Checks what DataAnnotations cannot: the storage kind, the connection string, ids and cron expressions.</summary>
public sealed partial class SchedulerOptionsValidator : IValidateOptions<SchedulerOptions>
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex IdPattern();

    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var errors = new List<string>();
        if (!SchedulerOptions.StorageKinds.Contains(options.Storage, StringComparer.Ordinal))
            errors.Add($"{SchedulerOptions.Section}:Storage is '{options.Storage}'; expected one of: {string.Join(", ", SchedulerOptions.StorageKinds)}.");
        if (options.Storage == "Postgres" && string.IsNullOrWhiteSpace(options.ConnectionString))
            errors.Add($"{SchedulerOptions.Section}:ConnectionString is required when {SchedulerOptions.Section}:Storage is Postgres.");
        if (options.PollInterval <= TimeSpan.Zero || options.RunPollInterval <= TimeSpan.Zero || options.RunTimeout <= TimeSpan.Zero)
            errors.Add($"{SchedulerOptions.Section}: PollInterval, RunPollInterval and RunTimeout must be positive.");
        foreach (var (id, job) in options.Jobs)
        {
            var key = $"{SchedulerOptions.Section}:Jobs:{id}";
            if (!IdPattern().IsMatch(id))
                errors.Add($"{key}: a schedule id is 1-64 lower-case letters, digits, '-' or '_'.");
            if (!CronDescriber.IsWellFormed(job.Cron))
                errors.Add($"{key}:Cron '{job.Cron}' is not a 5-field cron expression (minute hour day-of-month month day-of-week).");
            if (job.Enabled && job.Sources.Count == 0 && !job.RefreshWarehouse)
                errors.Add($"{key}: a schedule must ingest at least one source or refresh the warehouse.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
