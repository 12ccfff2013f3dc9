using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Web.Api;

public static class IngestionEndpoints
{
    public static RouteGroupBuilder MapIngestionEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/ingestions").WithTags("Ingestions");
        group.MapPost("/", StartAsync);
        group.MapGet("/", ListAsync);
        group.MapGet("/{runId}", GetAsync);
        group.MapPost("/{runId}/cancel", CancelAsync);
        group.MapPost("/{runId}/rerun", RerunAsync);
        group.MapPost("/{runId}/retry", RetryAsync);
        group.MapGet("/{runId}/events", EventsAsync);
        group.MapGet("/{runId}/rejections", RejectionsAsync);
        return api;
    }

    /// <summary>202 with the new run; 409 with the active run when that source is already running.</summary>
    private static async Task<IResult> StartAsync(StartIngestionBody? body, IPipelineCommands commands, CancellationToken ct)
    {
        if (body is null) return ApiValidation.Invalid(StartIngestionBodyValidator.MissingBody.Field, StartIngestionBodyValidator.MissingBody.Message);
        var validation = StartIngestionBodyValidator.Validate(body.Source, body.Options);
        if (validation.Error is { } invalid) return ApiValidation.Invalid(invalid.Field, invalid.Message);
        try
        {
            return Started(await commands.StartIngestionAsync(validation.Request!, ct));
        }
        catch (InvalidOptionException ex)
        {
            return ApiValidation.Invalid(ex.Field, ex.Message);
        }
    }

    /// <summary>Runs newest first, filtered by source, status and trigger; <c>nextPageToken</c> continues the list.</summary>
    private static async Task<IResult> ListAsync(
        string? source, string? status, string? trigger, string? limit, string? pageToken, IRunStore runs, IRefreshStore refreshes,
        SourceRegistry sources, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 20, 200, out var n, out var error)) return error!;
        source = Blank(source);
        if (source is not null && !sources.TryGet(source, out _))
            return ApiValidation.Invalid("source", $"Unknown source '{source}'; one of: {string.Join(", ", sources.Names)}.");
        RunStatus? wanted = null;
        if (Blank(status) is { } s)
        {
            try
            {
                wanted = RunStatusExtensions.ParseWire(s);
            }
            catch (FormatException)
            {
                return ApiValidation.Invalid("status", $"Unknown status '{s}'; one of: queued, running, succeeded, partiallySucceeded, failed, cancelled.");
            }
        }
        RunPage page;
        try
        {
            page = await runs.QueryRunsAsync(new RunQuery { Source = source, Status = wanted, Trigger = Blank(trigger), Limit = n, PageToken = Blank(pageToken) }, ct);
        }
        catch (FormatException ex)
        {
            return ApiValidation.Invalid("pageToken", ex.Message);
        }
        // One look-up per run, in turn (a key read each on either store; no burst of connections for a long list).
        var items = new List<RunDto>(page.Items.Count);
        foreach (var run in page.Items) items.Add(await RunDto.WithRefreshAsync(run, refreshes, ct));
        return Results.Ok(new PagedResponse<RunDto>(items, page.NextPageToken));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static async Task<IResult> GetAsync(string runId, IRunStore runs, IRefreshStore refreshes, CancellationToken ct)
    {
        if (!RunIds.IsValid(runId)) return ApiValidation.NotFound("Run", runId);
        var run = await runs.GetRunAsync(runId, ct);
        return run is null ? ApiValidation.NotFound("Run", runId) : Results.Ok(await RunDto.WithRefreshAsync(run, refreshes, ct));
    }

    private static async Task<IResult> CancelAsync(string runId, IRunStore runs, IRefreshStore refreshes, IPipelineCommands commands, CancellationToken ct)
    {
        if (!RunIds.IsValid(runId) || await runs.GetRunAsync(runId, ct) is null) return ApiValidation.NotFound("Run", runId);
        if (!await commands.CancelIngestionAsync(runId, ct))
            return Results.Problem(title: "The run has already finished.", statusCode: StatusCodes.Status409Conflict);
        return Results.Ok(await RunDto.WithRefreshAsync((await runs.GetRunAsync(runId, ct))!, refreshes, ct));
    }

    /// <summary>202 with the new run; 409 with the active run when that source is already running.</summary>
    private static async Task<IResult> RerunAsync(string runId, IRunStore runs, IPipelineCommands commands, CancellationToken ct)
    {
        if (!RunIds.IsValid(runId) || await runs.GetRunAsync(runId, ct) is not { } run) return ApiValidation.NotFound("Run", runId);
        try
        {
            return Started(await commands.RerunAsync(run, ct));
        }
        catch (InvalidOptionException ex)
        {
            return ApiValidation.Invalid(ex.Field, ex.Message);
        }
        catch (ReplayRequestException ex)
        {
            // A replay's raw pages are gone since.
            return Results.Problem(title: "Nothing to replay.", detail: ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    /// <summary>202 with a run that fetches the failed pages again; 409 while the run is active or when nothing failed.</summary>
    private static async Task<IResult> RetryAsync(string runId, IRunStore runs, IPipelineCommands commands, CancellationToken ct)
    {
        if (!RunIds.IsValid(runId) || await runs.GetRunAsync(runId, ct) is not { } run) return ApiValidation.NotFound("Run", runId);
        if (!run.Status.IsTerminal())
            return Results.Problem(title: "The run is still active.", detail: $"Run {runId} is {run.Status.ToWire()}; retry it once it has ended.",
                statusCode: StatusCodes.Status409Conflict);
        var result = await commands.RetryAsync(run, ct);
        if (result is null)
            return Results.Problem(title: "Nothing to retry.",
                detail: $"No page of run {runId} failed (fetch failed, or its raw page could not be read); rejected records are not retried. Re-run it instead.",
                statusCode: StatusCodes.Status409Conflict);
        return Started(result);
    }

    /// <summary>202 with the new run; 409 naming the active run when the source already has one.</summary>
    internal static IResult Started(StartIngestionResult result)
    {
        var response = new RunCreatedResponse(result.Run.RunId, result.Run.Status.ToWire(), result.Created);
        return result.Created
            ? Results.Accepted($"/api/ingestions/{result.Run.RunId}", response)
            : Results.Problem(title: "A run of this source is already active.",
                detail: $"Run {result.Run.RunId} of '{result.Run.Source}' is {result.Run.Status.ToWire()}; wait for it or cancel it.",
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["runId"] = result.Run.RunId });
    }

    /// <summary>The run's event log, oldest first, filtered by level and stage.</summary>
    private static async Task<IResult> EventsAsync(
        string runId, string? level, string? stage, string? limit, string? pageToken, IRunStore runs, IRunEventLog events, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 100, 1000, out var n, out var error)) return error!;
        RunEventLevel? wantedLevel = null;
        if (Blank(level) is { } l)
        {
            if (!RunEventWire.TryParseLevel(l, out var parsed)) return ApiValidation.Invalid("level", $"Unknown level '{l}'; one of: info, warning, error.");
            wantedLevel = parsed;
        }
        RunEventStage? wantedStage = null;
        if (Blank(stage) is { } st)
        {
            if (!RunEventWire.TryParseStage(st, out var parsed))
                return ApiValidation.Invalid("stage", $"Unknown stage '{st}'; one of: plan, fetch, transform, store, refresh.");
            wantedStage = parsed;
        }
        if (!RunIds.IsValid(runId) || await runs.GetRunAsync(runId, ct) is null) return ApiValidation.NotFound("Run", runId);
        try
        {
            var page = await events.ListEventsAsync(runId, new RunEventQuery { Level = wantedLevel, Stage = wantedStage, Limit = n, PageToken = Blank(pageToken) }, ct);
            return Results.Ok(new PagedResponse<RunEventDto>(page.Items.Select(RunEventDto.From).ToList(), page.NextPageToken));
        }
        catch (FormatException ex)
        {
            return ApiValidation.Invalid("pageToken", ex.Message);
        }
    }

    private static async Task<IResult> RejectionsAsync(string runId, string? limit, IRunStore runs, IProductStore store, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 100, 1000, out var n, out var error)) return error!;
        if (!RunIds.IsValid(runId) || await runs.GetRunAsync(runId, ct) is null) return ApiValidation.NotFound("Run", runId);
        var list = await store.ListRejectionsAsync(runId, n, ct);
        return Results.Ok(new ItemsResponse<RejectionDto>(list.Select(RejectionDto.From).ToList()));
    }
}
