using Microsoft.Extensions.Options;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Scheduling;

/// <summary>How often the configured schedules ingest each source: the shortest of their longest gaps (freshness limits ask).</summary>
public sealed class ScheduledSourceIntervals(IOptions<SchedulerOptions> options) : ISourceSchedules
{
    private readonly Lazy<Dictionary<string, TimeSpan>> _intervals = new(() => options.Value.Definitions()
        .SelectMany(d => d.Sources.Select(s => (Source: s, Gap: CronDescriber.LongestGap(d.Cron))))
        .Where(x => x.Gap is not null)
        .GroupBy(x => x.Source, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(g => g.Key, g => g.Min(x => x.Gap!.Value), StringComparer.OrdinalIgnoreCase));

    public TimeSpan? IntervalOf(string source) => _intervals.Value.TryGetValue(source, out var gap) ? gap : null;
}
