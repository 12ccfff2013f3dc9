using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Tests.Support;

/// <summary>
/// A real HTTP receiver on 127.0.0.1 for webhook tests: keeps every request (headers and the raw body bytes, as a
/// receiver verifying a signature must) and answers 200, or what was queued (a 500, or never answering at all).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly CancellationTokenSource _stopping = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    private TaskCompletionSource _release = CompletedSource();

    /// <summary>When true, requests are held without an answer until the receiver stops (a hung endpoint).</summary>
    public bool Hang { get; set; }

    /// <summary>Holds every request from now on until <see cref="Release"/>, then answers it as usual.</summary>
    public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _release.TrySetResult();

    /// <summary>Requests that arrived and are still held.</summary>
    public int Held => Volatile.Read(ref _held);

    private int _held;

    private static TaskCompletionSource CompletedSource()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    public IReadOnlyList<Received> Requests => _received.ToList();

    /// <summary>The next requests are answered with these statuses, in order (then 200).</summary>
    public void Answer(params int[] statuses)
    {
        foreach (var status in statuses) _answers.Enqueue(status);
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var app = LoopbackServer.Create();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.ReceiveAsync);
        receiver.Url = new Uri(await LoopbackServer.StartAsync(app), "/hook");
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var status = _answers.TryDequeue(out var queued) ? queued : 200;
        _received.Enqueue(new Received(headers, buffer.ToArray(), status, DateTimeOffset.UtcNow));
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        Interlocked.Increment(ref _held);
        await _release.Task.WaitAsync(_stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        Interlocked.Decrement(ref _held);
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>One request as it arrived, and the status it was answered with.</summary>
    public sealed record Received(IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith, DateTimeOffset At)
    {
        public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";

        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        public string Text => Encoding.UTF8.GetString(Body);

        public string Type => Header("X-Pipeline-Event");
    }
}
