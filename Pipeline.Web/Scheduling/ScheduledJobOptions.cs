using System.ComponentModel.DataAnnotations;

namespace Pipeline.Web.Scheduling;

/// <summary>One recurring job: ingest these sources (in order, each run awaited), then refresh the warehouse.</summary>
public sealed class ScheduledJobOptions
{
    /// <summary>Standard 5-field cron (minute hour day-of-month month day-of-week), evaluated in UTC.</summary>
    [Required]
    public string Cron { get; set; } = "0 */6 * * *";

    public List<string> Sources { get; set; } = [];

    public bool RefreshWarehouse { get; set; } = true;

    /// <summary>False removes the schedule (and its Hangfire recurring job) without deleting the configuration.</summary>
    public bool Enabled { get; set; } = true;
}
