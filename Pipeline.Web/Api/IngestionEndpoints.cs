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
            var result = await commands.StartIngestionAsync(validation.Request!, ct);
            var response = new RunCreatedResponse(result.Run.RunId, result.Run.Status.ToWire(), result.Created);
            return result.Created
                ? Results.Accepted($"/api/ingestions/{result.Run.RunId}", response)
                : Results.Problem(title: "A run of this source is already active.",
                    detail: $"Run {result.Run.RunId} of '{result.Run.Source}' is {result.Run.Status.ToWire()}; wait for it or cancel it.",
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["runId"] = result.Run.RunId });
        }
        catch (InvalidOptionException ex)
        {
            return ApiValidation.Invalid(ex.Field, ex.Message);
        }
    }

    private static async Task<IResult> ListAsync(string? limit, IRunStore runs, IRefreshStore refreshes, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 20, 200, out var n, out var error)) return error!;
        var list = await runs.ListRunsAsync(n, ct);
        // One look-up per run, in turn (a key read each on either store; no burst of connections for a long list).
        var items = new List<RunDto>(list.Count);
        foreach (var run in list) items.Add(await RunDto.WithRefreshAsync(run, refreshes, ct));
        return Results.Ok(new ItemsResponse<RunDto>(items));
    }

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

    private static async Task<IResult> RejectionsAsync(string runId, string? limit, IRunStore runs, IProductStore store, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 100, 1000, out var n, out var error)) return error!;
        if (!RunIds.IsValid(runId) || await runs.GetRunAsync(runId, ct) is null) return ApiValidation.NotFound("Run", runId);
        var list = await store.ListRejectionsAsync(runId, n, ct);
        return Results.Ok(new ItemsResponse<RejectionDto>(list.Select(RejectionDto.From).ToList()));
    }
}
