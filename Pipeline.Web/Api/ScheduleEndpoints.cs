using Pipeline.Web.Scheduling;

namespace Pipeline.Web.Api;

/// <summary>The schedules over REST: list, trigger now, pause, resume, history.</summary>
public static class ScheduleEndpoints
{
    public static RouteGroupBuilder MapScheduleEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/schedules").WithTags("Schedules");
        group.MapGet("/", List);
        group.MapPost("/{id}/trigger", Trigger);
        group.MapPost("/{id}/pause", Pause);
        group.MapPost("/{id}/resume", Resume);
        group.MapGet("/{id}/history", History);
        return api;
    }

    private static IResult List(PipelineSchedules schedules) =>
        Results.Ok(new ItemsResponse<ScheduleDto>(schedules.List().Select(ScheduleDto.From).ToList()));

    /// <summary>202 with the queued job; 409 while an execution is queued or running; 404 for an unknown id.</summary>
    private static IResult Trigger(string id, PipelineSchedules schedules)
    {
        var result = schedules.Trigger(id);
        return result.Outcome switch
        {
            TriggerOutcome.NotFound => ApiValidation.NotFound("Schedule", id),
            TriggerOutcome.AlreadyActive => Results.Problem(title: "The schedule is already running.",
                detail: $"Job {result.JobId} of schedule '{id}' is {result.Schedule!.LastOutcome}; wait for it to end.",
                statusCode: StatusCodes.Status409Conflict, extensions: new Dictionary<string, object?> { ["jobId"] = result.JobId }),
            _ => Results.Accepted("/api/schedules", new ScheduleTriggeredResponse(id, result.JobId!)),
        };
    }

    private static IResult Pause(string id, PipelineSchedules schedules) =>
        schedules.Pause(id) is { } status ? Results.Ok(ScheduleDto.From(status)) : ApiValidation.NotFound("Schedule", id);

    private static IResult Resume(string id, PipelineSchedules schedules) =>
        schedules.Resume(id) is { } status ? Results.Ok(ScheduleDto.From(status)) : ApiValidation.NotFound("Schedule", id);

    private static IResult History(string id, string? limit, PipelineSchedules schedules)
    {
        if (!ApiValidation.TryLimit(limit, 20, 1000, out var n, out var error)) return error!;
        return schedules.History(id, n) is { } history
            ? Results.Ok(new ItemsResponse<ScheduleExecution>(history))
            : ApiValidation.NotFound("Schedule", id);
    }
}
