using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Sources;
using Pipeline.Core.Stages;
using Pipeline.Lambdas.Events;
using Pipeline.Lambdas.Hosting;

namespace Pipeline.Lambdas;

/// <summary>
/// <c>trigger_ingestion</c>, behind the HTTP API route <c>POST /ingestions</c> (payload format 2.0). Validates the body
/// exactly like the Web app's <c>POST /api/ingestions</c>, records the run, then plans it and publishes its fetch tasks
/// before answering 202 <c>{"runId","status","created"}</c>. 401 without a configured key in <c>X-Api-Key</c> or, with
/// none configured, without an IAM principal in the request context (see <see cref="ApiKeyCheck"/>); 503 while the keys'
/// SSM parameter cannot be read (fails closed, see <see cref="ApiKeyParameter"/>). 409 when a run of
/// that source is active; 400 problem
/// naming the field for bad input; 500 problem with a correlation id (and a logged error) for anything unexpected.
/// Handler: <c>Pipeline.Lambdas::Pipeline.Lambdas.TriggerIngestionFunction::HandleAsync</c>.
/// </summary>
public sealed class TriggerIngestionFunction
{
    /// <summary>Largest accepted body (after base64 decoding).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private readonly IServiceProvider _services;
    private readonly BackendReadiness _readiness = new(EnsureBackendsAsync);
    private readonly ILogger<TriggerIngestionFunction> _logger;
    private readonly ApiKeyCheck _apiKeys;

    /// <summary>The runtime's constructor: services from the environment, built once per container.</summary>
    public TriggerIngestionFunction() : this(LambdaServices.Shared)
    {
    }

    /// <summary>Runs on the given services (tests, other hosts).</summary>
    public TriggerIngestionFunction(IServiceProvider services)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _logger = services.GetRequiredService<ILogger<TriggerIngestionFunction>>();
        _apiKeys = new ApiKeyCheck(services.GetRequiredService<IConfiguration>(), services.GetService<ApiKeyParameter>());
    }

    private static async Task EnsureBackendsAsync(IServiceProvider services, CancellationToken ct)
    {
        await services.GetRequiredService<IRunStore>().EnsureCreatedAsync(ct).ConfigureAwait(false);
        await services.GetRequiredService<IEventStream>().EnsureCreatedAsync(ct).ConfigureAwait(false);
    }

    public Task<Stream> HandleAsync(Stream input) => LambdaTelemetry.FlushedAfterAsync(_services, () => HandleInvocationAsync(input));

    private async Task<Stream> HandleInvocationAsync(Stream input)
    {
        HttpApiResponse response;
        using (_logger.BeginScope(new Dictionary<string, object> { ["Function"] = "trigger_ingestion", ["TraceId"] = TraceId() }))
        {
            try
            {
                response = await HandleEventAsync(input, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                var correlationId = Guid.NewGuid().ToString("N");
                _logger.LogError(ex, "trigger_ingestion failed unexpectedly; correlation id {CorrelationId}", correlationId);
                response = HttpApiResults.Problem(new ProblemResponse
                {
                    Title = "The run could not be started.",
                    Status = 500,
                    Detail = $"An unexpected error occurred; quote correlation id {correlationId} when reporting it.",
                    CorrelationId = correlationId,
                });
            }
        }
        return LambdaPayload.Write(response, LambdaJsonContext.Default.HttpApiResponse);
    }

    private async Task<HttpApiResponse> HandleEventAsync(Stream input, CancellationToken ct)
    {
        var payload = await LambdaPayload.ReadAsync(input, ct).ConfigureAwait(false);
        HttpApiRequest request;
        try
        {
            request = LambdaPayload.Deserialize(payload, LambdaJsonContext.Default.HttpApiRequest, "an HTTP API event");
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            _logger.LogError("The invocation payload ({Bytes} bytes) is not an HTTP API event: {Error}", payload.Length, ex.Message);
            return HttpApiResults.Invalid("event", "The invocation payload is not an API Gateway HTTP API (payload 2.0) event.");
        }
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = request.RequestContext?.RequestId ?? "" });

        if (request.RequestContext?.Http?.Method is { } method && !string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase))
            return HttpApiResults.Problem(new ProblemResponse { Title = "Method not allowed.", Status = 405, Detail = "Use POST." },
                new Dictionary<string, string> { ["allow"] = "POST" });

        if (_apiKeys.UnsupportedSecretArn)
            throw new InvalidOperationException(
                $"{ApiKeyCheck.SecretArnKey} is set, but this build does not read API keys from Secrets Manager; set Pipeline__Security__ApiKeys__0 instead or unset it.");
        var verdict = await _apiKeys.CheckAsync(request, ct).ConfigureAwait(false);
        if (verdict == ApiKeyCheck.Verdict.KeysUnavailable) // fails closed; ApiKeyParameter logged why
            return HttpApiResults.Problem(new ProblemResponse
            {
                Title = "The API keys are unavailable.", Status = 503,
                Detail = "The function cannot read its API keys, so it refuses every request; see its log.",
            });
        if (verdict != ApiKeyCheck.Verdict.Allowed)
            return HttpApiResults.Problem(new ProblemResponse
            {
                Title = "Unauthorized.", Status = 401,
                Detail = _apiKeys.Required
                    ? $"A valid {ApiKeyCheck.HeaderName} header is required."
                    : "The request must be signed by an IAM principal (SigV4, through the API's AWS_IAM route).",
            });

        if (request.Header("content-type") is { } contentType && !IsJson(contentType))
            return HttpApiResults.Problem(new ProblemResponse
            {
                Title = "Unsupported media type.", Status = 415, Detail = "The body must be JSON (Content-Type: application/json).",
            });

        var body = ReadBody(request, out var bodyError);
        if (bodyError is not null) return bodyError;
        var parsed = ParseBody(body);
        if (parsed.Error is not null) return parsed.Error;

        var validation = StartIngestionBodyValidator.Validate(parsed.Payload!.Source, parsed.Payload.Options);
        if (validation.Error is { } invalid) return HttpApiResults.Invalid(invalid.Field, invalid.Message);

        await _readiness.EnsureAsync(_services, ct).ConfigureAwait(false);
        var ingestion = _services.GetRequiredService<TriggerHandler>();
        StartIngestionResult result;
        try
        {
            result = await ingestion.CreateRunAsync(validation.Request!, ct).ConfigureAwait(false);
        }
        catch (InvalidOptionException ex)
        {
            return HttpApiResults.Invalid(ex.Field, ex.Message);
        }
        var run = result.Run;
        if (!result.Created)
            return HttpApiResults.Problem(new ProblemResponse
            {
                Title = "A run of this source is already active.",
                Status = 409,
                Detail = $"Run {run.RunId} of '{run.Source}' is {run.Status.ToWire()}; wait for it or cancel it.",
                RunId = run.RunId,
            });

        using (_logger.BeginScope(new Dictionary<string, object> { ["RunId"] = run.RunId }))
        {
            // Planning runs here, before answering: the function ends with the answer, so nothing may be left queued.
            await ingestion.PlanAndPublishAsync(run.RunId, ct).ConfigureAwait(false);
            run = await _services.GetRequiredService<IRunStore>().GetRunAsync(run.RunId, ct).ConfigureAwait(false) ?? run;
            if (run.Status == RunStatus.Failed)
            {
                _logger.LogError("Run {RunId} failed while planning: {Error}", run.RunId, run.Errors.LastOrDefault());
                return HttpApiResults.Problem(new ProblemResponse
                {
                    Title = "The run failed while planning.",
                    Status = 502,
                    Detail = run.Errors.LastOrDefault() ?? "Planning failed.",
                    RunId = run.RunId,
                });
            }
            _logger.LogInformation("Run {RunId} of {Source} accepted: {Tasks} fetch tasks published", run.RunId, run.Source, run.Stages.TasksPublished);
            return HttpApiResults.Json(202, new RunAcceptedResponse(run.RunId, run.Status.ToWire(), true), LambdaJsonContext.Default.RunAcceptedResponse);
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The body's bytes: base64-decoded when API Gateway says so (and checked: it may say so wrongly), at most 64 KiB.</summary>
    private static ReadOnlyMemory<byte> ReadBody(HttpApiRequest request, out HttpApiResponse? error)
    {
        error = null;
        var text = request.Body ?? "";
        byte[] bytes;
        if (request.IsBase64Encoded)
        {
            if (text.Length > (MaxBodyBytes + 2) / 3 * 4 + 4)
            {
                error = TooLarge();
                return default;
            }
            var buffer = new byte[text.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64String(text, buffer, out var written))
            {
                error = HttpApiResults.Invalid("body", "The body is marked base64-encoded but is not valid base64.");
                return default;
            }
            bytes = buffer[..written];
        }
        else
        {
            if (Encoding.UTF8.GetByteCount(text) > MaxBodyBytes)
            {
                error = TooLarge();
                return default;
            }
            bytes = Encoding.UTF8.GetBytes(text);
        }
        if (bytes.Length > MaxBodyBytes)
        {
            error = TooLarge();
            return default;
        }
        return LambdaPayload.WithoutBom(bytes);

        static HttpApiResponse TooLarge() => HttpApiResults.Invalid("body", $"The body is larger than {MaxBodyBytes / 1024} KiB.");
    }

    private readonly record struct ParsedBody(StartIngestionPayload? Payload, HttpApiResponse? Error);

    /// <summary>Malformed JSON → 400 "body"; a value of the wrong type → 400 naming its path (e.g. <c>options</c>).</summary>
    private static ParsedBody ParseBody(ReadOnlyMemory<byte> body)
    {
        var missing = new ParsedBody(null, HttpApiResults.Invalid(StartIngestionBodyValidator.MissingBody.Field, StartIngestionBodyValidator.MissingBody.Message));
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty) return missing;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return new ParsedBody(null, HttpApiResults.Invalid("body", $"The body is not valid JSON: {ex.Message}"));
        }
        using (document)
        {
            switch (document.RootElement.ValueKind)
            {
                case JsonValueKind.Null:
                    return missing;
                case not JsonValueKind.Object:
                    return new ParsedBody(null, HttpApiResults.Invalid("body", "The body must be a JSON object {\"source\":…,\"options\":{…}}."));
            }
            try
            {
                var payload = document.RootElement.Deserialize(LambdaJsonContext.Default.StartIngestionPayload);
                return payload is null ? missing : new ParsedBody(payload, null);
            }
            catch (JsonException ex)
            {
                var field = FieldOf(ex.Path);
                return new ParsedBody(null, HttpApiResults.Invalid(field, $"'{field}' has the wrong type."));
            }
        }
    }

    /// <summary><c>$.options.count</c> → <c>options.count</c>; the root → <c>body</c>.</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? "body" : field;
    }

    private static string TraceId() => Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID") ?? "";
}
