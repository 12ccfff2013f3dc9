using System.Diagnostics;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Telemetry;

/// <summary>
/// The pipeline's traces: one <see cref="ActivitySource"/> named <see cref="Name"/> (System.Diagnostics only; the hosts
/// wire the OpenTelemetry SDK to it). One trace per run: the plan span is its root, each page's fetch span continues it
/// from the fetch task's <see cref="FetchTask.TraceParent"/>, each transform span from the raw object's
/// <see cref="RawObjectMetadata.TraceParent"/>, and the refresh a run's end starts from the span that ended it. When
/// nothing listens every <c>Start…</c> returns a span without an activity, and nothing is allocated.
/// </summary>
public static class PipelineTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Pipeline";

    public const string RunIdTag = "pipeline.run_id";
    public const string SourceTag = "pipeline.source";
    public const string PageTag = "pipeline.page";
    public const string RawKeyTag = "pipeline.raw_key";
    public const string RefreshIdTag = "pipeline.refresh_id";

    public const string PlanSpan = "pipeline.plan";
    public const string FetchSpan = "pipeline.fetch";
    public const string TransformSpan = "pipeline.transform";
    public const string RefreshSpan = "pipeline.refresh";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>The run's root span, around planning and publishing its fetch tasks.</summary>
    public static StageSpan StartPlan(string runId, string source)
    {
        var activity = Source.StartActivity(PlanSpan, ActivityKind.Producer);
        activity?.SetTag(RunIdTag, runId).SetTag(SourceTag, source);
        return new StageSpan(activity, "plan", source);
    }

    /// <summary>One page's fetch, a child of the plan span that published its task.</summary>
    public static StageSpan StartFetch(FetchTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var activity = Source.HasListeners()
            ? Source.StartActivity(FetchSpan, ActivityKind.Consumer, ParentOf(task.TraceParent))
            : null;
        activity?.SetTag(RunIdTag, task.RunId).SetTag(SourceTag, task.Source).SetTag(PageTag, task.Page);
        return new StageSpan(activity, "fetch", task.Source);
    }

    /// <summary>One raw page's transform, a child of the span <paramref name="traceParent"/> names (the fetch that stored the page), else of the ambient one.</summary>
    public static StageSpan StartTransform(string key, string runId, string source, int page, string? traceParent)
    {
        var activity = Source.HasListeners()
            ? Source.StartActivity(TransformSpan, ActivityKind.Consumer, ParentOf(traceParent))
            : null;
        activity?.SetTag(RunIdTag, runId).SetTag(SourceTag, source).SetTag(PageTag, page).SetTag(RawKeyTag, key);
        return new StageSpan(activity, "transform", source);
    }

    /// <summary>A warehouse refresh; continues the trace of the run whose end queued it (in this process), else a trace of its own.</summary>
    public static StageSpan StartRefresh(string refreshId, string trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var activity = Source.HasListeners()
            ? Source.StartActivity(RefreshSpan, ActivityKind.Internal, RefreshTraces.Take(refreshId))
            : null;
        if (activity is not null)
        {
            activity.SetTag(RefreshIdTag, refreshId);
            if (RefreshTriggers.RunIdOf(trigger) is { } runId) activity.SetTag(RunIdTag, runId);
        }
        return new StageSpan(activity, "refresh", "");
    }

    /// <summary>
    /// The W3C traceparent of the pipeline span this code runs in (what a fetch task or a raw object carries on), or
    /// null outside one: another library's span (an HTTP request's) is not the run's.
    /// </summary>
    public static string? CurrentTraceParent =>
        Activity.Current is { } current && ReferenceEquals(current.Source, Source) && current.IdFormat == ActivityIdFormat.W3C ? current.Id : null;

    /// <summary>The context a traceparent names, or default (none: the span starts from the ambient one) when it is absent or malformed.</summary>
    public static ActivityContext ParentOf(string? traceParent) =>
        traceParent is { Length: > 0 } && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
}
