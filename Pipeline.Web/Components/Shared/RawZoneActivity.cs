using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Web.Components.Shared;

/// <summary>Objects and bytes written to the raw zone in one minute.</summary>
public sealed record RawMinute(DateTimeOffset Minute, int Objects, long Bytes);

/// <summary>A run's average rates over its whole duration.</summary>
public sealed record RunRates(
    string RunId, string Source, RunStatus Status, DateTimeOffset StartedAt, double Seconds,
    double RecordsPerSecond, double RawObjectsPerSecond, double RawBytesPerSecond, double ProductsPerSecond)
{
    public static RunRates? From(IngestionRun run, DateTimeOffset now)
    {
        var start = run.StartedAt ?? run.CreatedAt;
        var seconds = ((run.FinishedAt ?? now) - start).TotalSeconds;
        if (seconds <= 0) return null;
        var s = run.Stages;
        return new RunRates(run.RunId, run.Source, run.Status, start, seconds, s.TasksPublished / seconds, s.RawObjects / seconds,
            s.RawBytes / seconds, (s.ProductsUpserted + s.ProductsUnchanged) / seconds);
    }
}

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
