using Pipeline.Core.Domain;

namespace Pipeline.Web.Components.Shared;

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
