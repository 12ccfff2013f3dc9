namespace Pipeline.Core.Domain;

/// <summary>
/// A run's stages on a time axis: plan (from the run's start to its last task published), fetch and transform (first
/// to last page counted), refresh (the refresh the run's end started). A stage still under way has no end; a stage not
/// reached has neither. The stages overlap: pages are fetched while others are transformed.
/// </summary>
public static class RunTimeline
{
    public static IReadOnlyList<(RunEventStage Stage, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)> Of(IngestionRun run, WarehouseRefresh? refresh)
    {
        var ended = run.Status.IsTerminal();
        var fetchDone = ended || run.PlanningComplete && run.Stages.PagesFetched + run.Stages.PagesFailed >= run.Stages.TasksPlanned;
        var transformDone = ended || fetchDone && run.Stages.PagesTransformed >= run.Stages.PagesFetched;
        return
        [
            (RunEventStage.Plan, run.StartedAt, run.PlanFinishedAt ?? (ended && run.StartedAt is not null ? run.FinishedAt : null)),
            (RunEventStage.Fetch, run.FetchStartedAt, fetchDone ? run.FetchFinishedAt : null),
            (RunEventStage.Transform, run.TransformStartedAt, transformDone ? run.TransformFinishedAt : null),
            (RunEventStage.Refresh, refresh?.StartedAt, refresh?.Status.IsTerminal() == true ? refresh.FinishedAt : null),
        ];
    }
}
