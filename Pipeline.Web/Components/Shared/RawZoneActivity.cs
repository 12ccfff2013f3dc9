using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Components.Shared;

/// <summary>
/// What landed in the raw zone per minute, read from the objects' LastModified under the prefixes of the runs created
/// in the window (so the listing stays bounded by the runs, not by the whole zone).
/// </summary>
public static class RawZoneActivity
{
    public const int MaxObjects = 50_000;

    public static async Task<(IReadOnlyList<RawMinute> Minutes, bool Truncated)> PerMinuteAsync(
        IRawZone rawZone, IRunStore runs, DateTimeOffset since, CancellationToken ct)
    {
        var buckets = new SortedDictionary<DateTimeOffset, (int Objects, long Bytes)>();
        var listed = 0;
        foreach (var run in await runs.ListRunsAsync(200, ct))
        {
            if ((run.FinishedAt ?? DateTimeOffset.MaxValue) < since) continue;
            string? token = null;
            do
            {
                var page = await rawZone.ListAsync(RawKeys.RunPrefix(run.Source, DateOnly.FromDateTime(run.CreatedAt.UtcDateTime), run.RunId), 1000, token, ct);
                foreach (var item in page.Items)
                {
                    if (++listed > MaxObjects) return (Flatten(buckets), true);
                    if (item.LastModified < since) continue;
                    var minute = new DateTimeOffset(item.LastModified.UtcDateTime.Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
                    var (objects, bytes) = buckets.GetValueOrDefault(minute);
                    buckets[minute] = (objects + 1, bytes + item.Size);
                }
                token = page.NextPageToken;
            } while (token is not null);
        }
        return (Flatten(buckets), false);
    }

    private static List<RawMinute> Flatten(SortedDictionary<DateTimeOffset, (int Objects, long Bytes)> buckets) =>
        buckets.Select(b => new RawMinute(b.Key, b.Value.Objects, b.Value.Bytes)).ToList();
}
