using Pipeline.Core.Domain;

namespace Pipeline.Core.Stages;

/// <summary>
/// The page being fetched on this async flow, so that what happens below the source (the HTTP client's retries) can be
/// told to the run's event log with the page it concerns.
/// </summary>
public static class PageFetchScope
{
    private static readonly AsyncLocal<FetchTask?> CurrentTask = new();

    public static FetchTask? Current => CurrentTask.Value;

    public static IDisposable Enter(FetchTask task)
    {
        var previous = CurrentTask.Value;
        CurrentTask.Value = task;
        return new Exit(previous);
    }

    private sealed class Exit(FetchTask? previous) : IDisposable
    {
        public void Dispose() => CurrentTask.Value = previous;
    }
}
