using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Telemetry.Support;

/// <summary>
/// A real OTLP/HTTP receiver on 127.0.0.1 and a free port: <c>POST /v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c>
/// with <c>application/x-protobuf</c> bodies, decoded by <see cref="OtlpDecoder"/> and kept. A test waits for what it
/// expects to arrive (each request re-checks the waiting conditions), never for a fixed time.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<OtlpSpan> _spans = [];
    private readonly List<OtlpLogRecord> _logs = [];
    private readonly List<string> _metricNames = [];
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = [];

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the exporter appends <c>/v1/…</c>).</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Requests that were not OTLP protobuf (wrong path or content type), for failure messages.</summary>
    public int Refused { get; private set; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var app = LoopbackServer.Create();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", context => receiver.AcceptAsync(context, body => receiver._spans.AddRange(OtlpDecoder.Spans(body))));
        app.MapPost("/v1/logs", context => receiver.AcceptAsync(context, body => receiver._logs.AddRange(OtlpDecoder.LogRecords(body))));
        app.MapPost("/v1/metrics", context => receiver.AcceptAsync(context, body => receiver._metricNames.AddRange(OtlpDecoder.MetricNames(body))));
        receiver.Endpoint = (await LoopbackServer.StartAsync(app)).ToString().TrimEnd('/');
        return receiver;
    }

    private async Task AcceptAsync(HttpContext context, Action<byte[]> keep)
    {
        if (context.Request.ContentType != "application/x-protobuf")
        {
            lock (_gate) Refused++;
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        lock (_gate)
        {
            keep(buffer.ToArray());
            foreach (var waiter in _waiters.Where(w => w.Done()).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }
        // An empty Export…ServiceResponse: everything accepted.
        context.Response.ContentType = "application/x-protobuf";
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public List<OtlpSpan> Spans
    {
        get { lock (_gate) return [.. _spans]; }
    }

    public Task<List<OtlpSpan>> WaitForSpansAsync(Func<List<OtlpSpan>, bool> done, string what) => WaitAsync(() => [.. _spans], done, what);

    public Task<List<OtlpLogRecord>> WaitForLogsAsync(Func<List<OtlpLogRecord>, bool> done, string what) => WaitAsync(() => [.. _logs], done, what);

    public Task<List<string>> WaitForMetricNamesAsync(Func<List<string>, bool> done, string what) => WaitAsync(() => [.. _metricNames], done, what);

    private async Task<T> WaitAsync<T>(Func<T> snapshot, Func<T, bool> done, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (done(snapshot())) return snapshot();
            _waiters.Add((() => done(snapshot()), signal));
        }
        try
        {
            await signal.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            lock (_gate)
                throw new TimeoutException(
                    $"Timed out after {Timeout.TotalSeconds:0} s waiting for {what}; received {_spans.Count} span(s) " +
                    $"({string.Join(", ", _spans.Select(s => s.Name).Distinct().Take(20))}), {_logs.Count} log record(s), " +
                    $"{_metricNames.Count} metric(s); {Refused} request(s) refused");
        }
        lock (_gate) return snapshot();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
