using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Lambdas.Events;
using Pipeline.Lambdas.Hosting;

namespace Pipeline.Lambdas;

/// <summary>
/// <c>fetch_product_data</c>, behind the Kinesis event source mapping (with <c>ReportBatchItemFailures</c>). Each
/// record's data is a fetch task; the function fetches each page into the raw zone and answers
/// <c>{"batchItemFailures":[{"itemIdentifier":"&lt;sequence number&gt;"}]}</c> listing only the records to retry (once
/// one fails, the shard's later records are listed too, keeping the shard in order).
/// A record whose data is not base64, or not a fetch task, can never succeed: it is logged and dropped, NOT reported
/// (reporting it would block the shard until the record expires).
/// Handler: <c>Pipeline.Lambdas::Pipeline.Lambdas.FetchProductDataFunction::HandleAsync</c>.
/// </summary>
public sealed class FetchProductDataFunction
{
    private readonly IServiceProvider _services;
    private readonly BackendReadiness _readiness = new(EnsureBackendsAsync);
    private readonly ILogger<FetchProductDataFunction> _logger;

    /// <summary>The runtime's constructor: services from the environment, built once per container.</summary>
    public FetchProductDataFunction() : this(LambdaServices.Shared)
    {
    }

    /// <summary>Runs on the given services (tests, other hosts).</summary>
    public FetchProductDataFunction(IServiceProvider services)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _logger = services.GetRequiredService<ILogger<FetchProductDataFunction>>();
    }

    private static async Task EnsureBackendsAsync(IServiceProvider services, CancellationToken ct)
    {
        await services.GetRequiredService<IRawZone>().EnsureCreatedAsync(ct).ConfigureAwait(false);
        await services.GetRequiredService<IRunStore>().EnsureCreatedAsync(ct).ConfigureAwait(false);
        await services.GetRequiredService<IProductStore>().EnsureCreatedAsync(ct).ConfigureAwait(false);
    }

    public Task<Stream> HandleAsync(Stream input) => LambdaTelemetry.FlushedAfterAsync(_services, () => HandleInvocationAsync(input));

    private async Task<Stream> HandleInvocationAsync(Stream input)
    {
        var ct = CancellationToken.None;
        using var scope = _logger.BeginScope(new Dictionary<string, object>
        {
            ["Function"] = "fetch_product_data", ["TraceId"] = Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID") ?? "",
        });
        var payload = await LambdaPayload.ReadAsync(input, ct).ConfigureAwait(false);
        var kinesisEvent = LambdaPayload.Deserialize(payload, LambdaJsonContext.Default.KinesisEvent, "a Kinesis event");
        var records = Decode(kinesisEvent);

        IReadOnlyList<string> failed;
        try
        {
            await _readiness.EnsureAsync(_services, ct).ConfigureAwait(false);
            failed = await _services.GetRequiredService<FetchHandler>().HandleBatchAsync(records, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The backends are unreachable: every record is retried (the handler itself reports per record).
            _logger.LogError(ex, "Fetch batch of {Records} records failed before its records were handled; all will be retried", records.Count);
            failed = records.Select(r => r.SequenceNumber).ToList();
        }
        if (records.Count > 0)
            _logger.LogInformation("Fetch batch: {Records} records from {Shard}, {Failed} to retry",
                records.Count, records[0].ShardId, failed.Count);
        return LambdaPayload.Write(new KinesisBatchResponse(failed.Select(s => new KinesisBatchItemFailure(s)).ToList()),
            LambdaJsonContext.Default.KinesisBatchResponse);
    }

    /// <summary>The records as the fetch stage takes them; undecodable ones are logged and left out.</summary>
    internal List<ReceivedRecord> Decode(KinesisEvent kinesisEvent)
    {
        var records = new List<ReceivedRecord>(kinesisEvent.Records?.Count ?? 0);
        foreach (var record in kinesisEvent.Records ?? [])
        {
            var kinesis = record.Kinesis;
            if (kinesis?.SequenceNumber is not { Length: > 0 } sequence)
            {
                _logger.LogError("Dropping a Kinesis record without a sequence number (event id {EventId})", record.EventId);
                continue;
            }
            byte[] data;
            try
            {
                data = Convert.FromBase64String(kinesis.Data ?? "");
            }
            catch (FormatException)
            {
                // It can never succeed: retrying would only hold the shard back until the record ages out.
                _logger.LogError("Dropping Kinesis record {Sequence} on {Shard}: its data is not base64 ({Chars} characters)",
                    sequence, record.ShardId, kinesis.Data?.Length ?? 0);
                continue;
            }
            records.Add(new ReceivedRecord(record.ShardId, sequence, kinesis.PartitionKey ?? "", data, kinesis.ArrivalTime));
        }
        return records;
    }
}
