using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Lambdas.Events;
using Pipeline.Lambdas.Hosting;

namespace Pipeline.Lambdas;

/// <summary>
/// <c>transform_products</c>, invoked asynchronously by S3 notifications. For each <c>ObjectCreated:*</c> record it
/// decodes the key (form-encoded: <c>+</c> is a space) and transforms that raw page into the product store; keys that
/// are not raw pages are ignored, other events skipped. Every record is attempted; if any failed, the function throws
/// an <see cref="AggregateException"/> afterwards so Lambda retries the event (S3's asynchronous invocation), and the
/// records that succeeded are recognised as already transformed on the retry.
/// Handler: <c>Pipeline.Lambdas::Pipeline.Lambdas.TransformProductsFunction::HandleAsync</c>.
/// </summary>
public sealed class TransformProductsFunction
{
    private readonly IServiceProvider _services;
    private readonly BackendReadiness _readiness = new(EnsureBackendsAsync);
    private readonly ILogger<TransformProductsFunction> _logger;

    /// <summary>The runtime's constructor: services from the environment, built once per container.</summary>
    public TransformProductsFunction() : this(LambdaServices.Shared)
    {
    }

    /// <summary>Runs on the given services (tests, other hosts).</summary>
    public TransformProductsFunction(IServiceProvider services)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _logger = services.GetRequiredService<ILogger<TransformProductsFunction>>();
    }

    private static async Task EnsureBackendsAsync(IServiceProvider services, CancellationToken ct)
    {
        await services.GetRequiredService<IRawZone>().EnsureCreatedAsync(ct).ConfigureAwait(false);
        await services.GetRequiredService<IProductStore>().EnsureCreatedAsync(ct).ConfigureAwait(false);
        await services.GetRequiredService<IRunStore>().EnsureCreatedAsync(ct).ConfigureAwait(false);
    }

    public Task<Stream> HandleAsync(Stream input) => LambdaTelemetry.FlushedAfterAsync(_services, () => HandleInvocationAsync(input));

    private async Task<Stream> HandleInvocationAsync(Stream input)
    {
        var ct = CancellationToken.None;
        using var scope = _logger.BeginScope(new Dictionary<string, object>
        {
            ["Function"] = "transform_products", ["TraceId"] = Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID") ?? "",
        });
        var payload = await LambdaPayload.ReadAsync(input, ct).ConfigureAwait(false);
        var s3Event = LambdaPayload.Deserialize(payload, LambdaJsonContext.Default.S3Event, "an S3 event");

        int transformed = 0, already = 0, ignored = 0, notActive = 0, skipped = 0;
        var failures = new List<Exception>();
        foreach (var record in s3Event.Records ?? [])
        {
            if (!record.IsObjectCreated || record.S3?.Object?.DecodedKey is not { Length: > 0 } key)
            {
                _logger.LogInformation("Skipping S3 event {EventName} for {Key}", record.EventName, record.S3?.Object?.Key);
                skipped++;
                continue;
            }
            try
            {
                await _readiness.EnsureAsync(_services, ct).ConfigureAwait(false);
                var outcome = await _services.GetRequiredService<TransformHandler>().HandleAsync(key, ct).ConfigureAwait(false);
                switch (outcome)
                {
                    case TransformOutcome.Transformed: transformed++; break;
                    case TransformOutcome.AlreadyTransformed: already++; break;
                    case TransformOutcome.Ignored: ignored++; break;
                    case TransformOutcome.RunNotActive: notActive++; break;
                }
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Transforming {Key} from bucket {Bucket} failed; the event will be retried", key, record.S3.Bucket?.Name);
                failures.Add(new InvalidOperationException($"Transforming {key} failed: {ex.Message}", ex));
            }
        }
        var summary = new TransformSummary(transformed, already, ignored, notActive, skipped);
        _logger.LogInformation(
            "Transform event: {Transformed} transformed, {Already} already transformed, {Ignored} ignored, {NotActive} of inactive runs, {Skipped} skipped, {Failed} failed",
            transformed, already, ignored, notActive, skipped, failures.Count);
        if (failures.Count > 0)
            throw new AggregateException($"{failures.Count} of {s3Event.Records!.Count} raw objects failed to transform; S3 will retry the event.", failures);
        return LambdaPayload.Write(summary, LambdaJsonContext.Default.TransformSummary);
    }
}
