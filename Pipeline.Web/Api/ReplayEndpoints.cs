using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Stages;
using Pipeline.Runtime;

namespace Pipeline.Web.Api;

/// <summary>
/// <c>POST /api/replays</c>: applies raw pages again through the transform (a run with trigger <c>replay</c>, followed
/// like any other under <c>/api/ingestions/{runId}</c>).
/// </summary>
public static class ReplayEndpoints
{
    public static RouteGroupBuilder MapReplayEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/replays", StartAsync).WithTags("Replays");
        return api;
    }

    /// <summary>
    /// 202 <c>{runId}</c>; 400 for an unknown source, a date that is not YYYY-MM-DD, <c>from</c> after <c>to</c>, or both a
    /// run and dates; 404 for an unknown run or a scope with no raw page; 409 while the source has an active run.
    /// </summary>
    private static async Task<IResult> StartAsync(StartReplayBody? body, IPipelineCommands commands, CancellationToken ct)
    {
        if (body is null) return ApiValidation.Invalid("source", "The body must be a JSON object with 'source' (and optionally 'from', 'to' or 'runId').");
        if (!TryText(body.Source, "source", required: true, out var source, out var error)) return error!;
        if (!TryText(body.RunId, "runId", required: false, out var runId, out error)) return error!;
        if (!TryDate(body.From, "from", out var from, out error)) return error!;
        if (!TryDate(body.To, "to", out var to, out error)) return error!;
        try
        {
            var result = await commands.StartReplayAsync(new StartReplayRequest(source!, from, to, runId), ct);
            return IngestionEndpoints.Started(result);
        }
        catch (ReplayRequestException ex) when (ex.NotFound)
        {
            return Results.Problem(title: "Nothing to replay.", detail: ex.Message, statusCode: StatusCodes.Status404NotFound,
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [ex.Field] = [ex.Message] } });
        }
        catch (ReplayRequestException ex)
        {
            return ApiValidation.Invalid(ex.Field, ex.Message);
        }
    }

    private static bool TryText(JsonElement? value, string field, bool required, out string? text, out IResult? error)
    {
        text = null;
        error = null;
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            if (required) error = ApiValidation.Invalid(field, $"'{field}' is required.");
            return !required;
        }
        if (value.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.Value.GetString()))
        {
            error = ApiValidation.Invalid(field, $"'{field}' must be a non-empty string.");
            return false;
        }
        text = value.Value.GetString()!.Trim();
        return true;
    }

    private static bool TryDate(JsonElement? value, string field, out DateOnly? date, out IResult? error)
    {
        date = null;
        if (!TryText(value, field, required: false, out var text, out error)) return false;
        if (text is null) return true;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            error = ApiValidation.Invalid(field, $"'{field}' must be a date as YYYY-MM-DD; '{text}' is not.");
            return false;
        }
        date = parsed;
        return true;
    }
}
