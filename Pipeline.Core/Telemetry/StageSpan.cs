using System.Diagnostics;

namespace Pipeline.Core.Telemetry;

/// <summary>
/// A stage's span and its duration, ended together: <c>using var span = PipelineTelemetry.StartFetch(task);</c>. A struct,
/// so a stage that nothing traces or measures allocates nothing for it.
/// </summary>
public readonly struct StageSpan : IDisposable
{
    private readonly string _stage;
    private readonly string _source;
    private readonly long _started;

    internal StageSpan(Activity? activity, string stage, string source)
    {
        Activity = activity;
        _stage = stage;
        _source = source;
        _started = PipelineMetrics.StageDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
    }

    /// <summary>The span, when something listens; null otherwise.</summary>
    public Activity? Activity { get; }

    /// <summary>The span's W3C traceparent, for what the next stage receives; null when nothing traces.</summary>
    public string? TraceParent => Activity?.Id;

    /// <summary>Marks the span failed with the exception's type and first line (nothing when nothing traces).</summary>
    public void Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name).AddTag("error.type", exception.GetType().FullName);
    }

    public void Dispose()
    {
        if (_started != 0) PipelineMetrics.RecordStageDuration(_stage, _source, Stopwatch.GetElapsedTime(_started));
        Activity?.Dispose();
    }
}
