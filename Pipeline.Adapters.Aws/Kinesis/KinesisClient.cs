using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Aws.Signing;

namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>
/// Typed client for the Kinesis Data Streams JSON 1.1 API: <c>POST /</c> with
/// <c>X-Amz-Target: Kinesis_20131202.&lt;Operation&gt;</c>, signed with SigV4 (signing name <c>kinesis</c>).
/// Errors become <see cref="KinesisException"/>. No retries here: callers decide what to retry.
/// </summary>
public sealed partial class KinesisClient
{
    public const string TargetPrefix = "Kinesis_20131202";
    public const string JsonContentType = "application/x-amz-json-1.1";
    public const string SigningName = "kinesis";

    private readonly HttpClient _http;
    private readonly IAwsCredentialsProvider _credentials;
    private readonly ILogger<KinesisClient> _logger;
    private readonly TimeProvider _time;
    private readonly SigV4Signer _signer = new();
    private readonly string _region;

    public KinesisClient(
        HttpClient httpClient,
        IOptions<KinesisStreamOptions> options,
        IAwsCredentialsProvider credentials,
        ILogger<KinesisClient> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? TimeProvider.System;
        var value = options.Value;
        if (string.IsNullOrWhiteSpace(value.Region))
            throw new InvalidOperationException("KinesisStreamOptions.Region is required (it is part of the SigV4 signing scope).");
        _region = value.Region;
        Endpoint = value.ResolveEndpoint();
    }

    /// <summary>Where every request goes.</summary>
    public Uri Endpoint { get; }

    public Task CreateStreamAsync(CreateStreamRequest request, CancellationToken ct) =>
        InvokeAsync<CreateStreamRequest, object>("CreateStream", request, KinesisJsonContext.Default.CreateStreamRequest, null, ct);

    /// <summary>Deletes the stream (it passes through DELETING). Used by tests and tooling, never by the pipeline.</summary>
    public Task DeleteStreamAsync(DeleteStreamRequest request, CancellationToken ct) =>
        InvokeAsync<DeleteStreamRequest, object>("DeleteStream", request, KinesisJsonContext.Default.DeleteStreamRequest, null, ct);

    public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken ct) =>
        InvokeAsync("DescribeStreamSummary", request, KinesisJsonContext.Default.DescribeStreamSummaryRequest,
            KinesisJsonContext.Default.DescribeStreamSummaryResponse, ct)!;

    /// <summary>One page of shards. Send <see cref="ListShardsRequest.StreamName"/> or <see cref="ListShardsRequest.NextToken"/>, never both.</summary>
    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.NextToken is not null && (request.StreamName is not null || request.ExclusiveStartShardId is not null))
            throw new ArgumentException("ListShards: NextToken cannot be combined with StreamName or ExclusiveStartShardId.", nameof(request));
        return InvokeAsync("ListShards", request, KinesisJsonContext.Default.ListShardsRequest,
            KinesisJsonContext.Default.ListShardsResponse, ct)!;
    }

    /// <summary>Every shard of the stream, following <c>NextToken</c> page by page.</summary>
    public async IAsyncEnumerable<Shard> ListAllShardsAsync(
        string streamName, int? pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        var request = new ListShardsRequest { StreamName = streamName, MaxResults = pageSize };
        while (true)
        {
            var page = await ListShardsAsync(request, ct).ConfigureAwait(false);
            foreach (var shard in page.Shards) yield return shard;
            if (string.IsNullOrEmpty(page.NextToken)) yield break;
            request = new ListShardsRequest { NextToken = page.NextToken, MaxResults = pageSize };
        }
    }

    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken ct) =>
        InvokeAsync("PutRecords", request, KinesisJsonContext.Default.PutRecordsRequest,
            KinesisJsonContext.Default.PutRecordsResponse, ct)!;

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var needsSequence = request.ShardIteratorType is ShardIteratorType.AtSequenceNumber or ShardIteratorType.AfterSequenceNumber;
        if (needsSequence != (request.StartingSequenceNumber is not null))
            throw new ArgumentException(
                $"GetShardIterator: StartingSequenceNumber is required for {request.ShardIteratorType} iterators only.", nameof(request));
        if ((request.ShardIteratorType == ShardIteratorType.AtTimestamp) != request.Timestamp.HasValue)
            throw new ArgumentException("GetShardIterator: Timestamp is required for AT_TIMESTAMP iterators only.", nameof(request));
        return InvokeAsync("GetShardIterator", request, KinesisJsonContext.Default.GetShardIteratorRequest,
            KinesisJsonContext.Default.GetShardIteratorResponse, ct)!;
    }

    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken ct) =>
        InvokeAsync("GetRecords", request, KinesisJsonContext.Default.GetRecordsRequest,
            KinesisJsonContext.Default.GetRecordsResponse, ct)!;

    /// <summary>
    /// Polls DescribeStreamSummary until the stream is ACTIVE and returns its summary; throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/> and <see cref="InvalidOperationException"/>
    /// when the stream is being deleted.
    /// </summary>
    public async Task<StreamDescriptionSummary> WaitForStreamActiveAsync(
        string streamName, TimeSpan timeout, TimeSpan pollInterval, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        var started = _time.GetTimestamp();
        while (true)
        {
            var summary = (await DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = streamName }, ct)
                .ConfigureAwait(false)).StreamDescriptionSummary;
            switch (summary.StreamStatus)
            {
                case "ACTIVE":
                    return summary;
                case "DELETING":
                    throw new InvalidOperationException($"Kinesis stream '{streamName}' is being deleted.");
            }
            if (_time.GetElapsedTime(started) >= timeout)
                throw new TimeoutException(
                    $"Kinesis stream '{streamName}' is still {summary.StreamStatus} after {timeout.TotalSeconds:0.#} s.");
            LogWaitingForActive(streamName, summary.StreamStatus);
            await Task.Delay(pollInterval, _time, ct).ConfigureAwait(false);
        }
    }

    private async Task<TResponse?> InvokeAsync<TRequest, TResponse>(
        string operation, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse>? responseType,
        CancellationToken ct)
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoint);
        message.Content = new ByteArrayContent(body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        message.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + "." + operation);

        var credentials = await _credentials.GetCredentialsAsync(ct).ConfigureAwait(false);
        _signer.Sign(message, body, credentials, new SigV4SigningParameters
        {
            Region = _region,
            Service = SigningName,
            Timestamp = _time.GetUtcNow(),
        });

        var started = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var payload = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        LogCall(operation, (int)response.StatusCode, body.Length, payload.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        if (!response.IsSuccessStatusCode) throw ReadError(operation, response, payload);
        if (responseType is null) return null;
        try
        {
            return JsonSerializer.Deserialize(payload, responseType)
                ?? throw new KinesisException(operation, "InvalidResponse", "empty response body", response.StatusCode, RequestIdOf(response));
        }
        catch (JsonException ex)
        {
            throw new KinesisException(operation, "InvalidResponse", "response is not the expected JSON: " + ex.Message,
                response.StatusCode, RequestIdOf(response));
        }
    }

    /// <summary>
    /// Reads <c>{"__type":"ns#Type","message":"…"}</c> (also <c>Message</c>); the type may come from the
    /// <c>x-amzn-ErrorType</c> header instead (<c>Type:http://…</c>).
    /// </summary>
    internal static KinesisException ReadError(string operation, HttpResponseMessage response, byte[] payload)
    {
        string? type = null, message = null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String) continue;
                    if (property.NameEquals("__type") || property.NameEquals("code")) type ??= property.Value.GetString();
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase)) message ??= property.Value.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy or load balancer answered): fall back to the header and the status code.
        }
        if (string.IsNullOrEmpty(type) && response.Headers.TryGetValues("x-amzn-ErrorType", out var headerTypes))
            type = headerTypes.FirstOrDefault()?.Split(':')[0];
        type = string.IsNullOrEmpty(type) ? StatusName(response.StatusCode) : StripNamespace(type);
        return new KinesisException(operation, type, message, response.StatusCode, RequestIdOf(response));
    }

    internal static string StripNamespace(string type)
    {
        var hash = type.LastIndexOf('#');
        return hash < 0 ? type : type[(hash + 1)..];
    }

    private static string StatusName(HttpStatusCode status) =>
        status == HttpStatusCode.ServiceUnavailable ? "ServiceUnavailable" : "Http" + (int)status;

    private static string? RequestIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) ? values.FirstOrDefault() : null;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kinesis {Operation} → HTTP {Status} ({RequestBytes} B sent, {ResponseBytes} B received, {ElapsedMs:0.0} ms)")]
    private partial void LogCall(string operation, int status, int requestBytes, int responseBytes, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for Kinesis stream {StreamName} to become ACTIVE (now {Status})")]
    private partial void LogWaitingForActive(string streamName, string status);
}
