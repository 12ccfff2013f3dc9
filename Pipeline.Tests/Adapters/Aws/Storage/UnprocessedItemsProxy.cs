using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Adapters.Aws.Storage;

/// <summary>
/// A small HTTP proxy on 127.0.0.1 in front of dynalite that makes the first BatchWriteItem call come back with part of
/// its items as UnprocessedItems (as DynamoDB does under throttling): it forwards only the first half of each table's
/// requests and reports the other half as unprocessed. Every other call passes through unchanged.
/// </summary>
internal sealed class UnprocessedItemsProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _batchWriteCalls;
    private int _heldBack;

    public UnprocessedItemsProxy(string upstreamUrl)
    {
        _upstream = new HttpClient { BaseAddress = new Uri(upstreamUrl), Timeout = TimeSpan.FromSeconds(30) };
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public string Url { get; }

    public int BatchWriteCalls => Volatile.Read(ref _batchWriteCalls);

    /// <summary>Items reported as unprocessed (and not written) by the first BatchWriteItem call.</summary>
    public int ItemsHeldBack => Volatile.Read(ref _heldBack);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var target = context.Request.Headers["X-Amz-Target"] ?? "";
            JsonObject? unprocessed = null;
            if (target.EndsWith(".BatchWriteItem", StringComparison.Ordinal) && Interlocked.Increment(ref _batchWriteCalls) == 1)
                (body, unprocessed) = HoldBackHalf(body);

            using var request = new HttpRequestMessage(HttpMethod.Post, context.Request.Url!.PathAndQuery) { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
            foreach (var header in new[] { "X-Amz-Target", "X-Amz-Date", "Authorization", "X-Amz-Security-Token" })
                if (context.Request.Headers[header] is { } value) request.Headers.TryAddWithoutValidation(header, value);
            using var response = await _upstream.SendAsync(request);
            var answer = await response.Content.ReadAsByteArrayAsync();
            if (unprocessed is not null && response.IsSuccessStatusCode)
            {
                var json = JsonNode.Parse(answer)!.AsObject();
                json["UnprocessedItems"] = unprocessed;
                answer = System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
            }
            // x-amz-crc32 is not copied: the body may have changed.
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            context.Response.ContentLength64 = answer.Length;
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
        catch (Exception)
        {
            context.Response.StatusCode = 502;
            context.Response.Close();
        }
    }

    private (byte[] Body, JsonObject Unprocessed) HoldBackHalf(byte[] body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        var items = json["RequestItems"]!.AsObject();
        var held = new JsonObject();
        foreach (var (table, node) in items.ToList())
        {
            var requests = node!.AsArray();
            var keep = requests.Count - requests.Count / 2;
            var rest = new JsonArray();
            while (requests.Count > keep)
            {
                var last = requests[keep]!;
                requests.RemoveAt(keep);
                rest.Add(last);
            }
            if (rest.Count > 0)
            {
                held[table] = rest;
                Interlocked.Add(ref _heldBack, rest.Count);
            }
        }
        return (System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()), held);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
        _upstream.Dispose();
        _stop.Dispose();
    }
}
