using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Adapters.Aws.Kinesis.Support;

/// <summary>A request that reached the test server.</summary>
internal sealed record ServerCall(string Operation, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>An answer the test server sends back.</summary>
internal sealed record ServerAnswer(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static ServerAnswer Error(int status, string type, string message) =>
        new(status, new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString());
}

/// <summary>
/// A local HTTP server in front of kinesalite. Each call goes to <c>intercept</c>, which may answer it itself, change
/// it and forward it (<see cref="ForwardAsync"/>), or return null to forward it unchanged. Records every call.
/// </summary>
internal sealed class KinesisTestServer : IAsyncDisposable
{
    private static readonly string[] ForwardedHeaders = ["Authorization", "X-Amz-Date", "X-Amz-Target", "X-Amz-Security-Token"];

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new();
    private readonly Uri _upstreamUrl;
    private readonly Func<ServerCall, KinesisTestServer, Task<ServerAnswer?>> _intercept;
    private readonly ConcurrentQueue<ServerCall> _calls = new();
    private readonly Task _loop;

    public KinesisTestServer(Uri upstreamUrl, Func<ServerCall, KinesisTestServer, Task<ServerAnswer?>> intercept)
    {
        _upstreamUrl = upstreamUrl;
        _intercept = intercept;
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    public IReadOnlyList<ServerCall> Calls => _calls.ToArray();

    public IEnumerable<ServerCall> CallsOf(string operation) => _calls.Where(c => c.Operation == operation);

    /// <summary>Sends the call (with an optional replacement body) to kinesalite and returns its answer.</summary>
    public async Task<ServerAnswer> ForwardAsync(ServerCall call, string? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _upstreamUrl);
        request.Content = body is null ? new ByteArrayContent(call.Body) : new StringContent(body);
        request.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        foreach (var name in ForwardedHeaders)
        {
            if (call.Headers.TryGetValue(name, out var value)) request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await _upstream.SendAsync(request);
        return new ServerAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        ServerAnswer answer;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(buffer);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var target = headers.GetValueOrDefault("X-Amz-Target") ?? "";
            var call = new ServerCall(target[(target.IndexOf('.') + 1)..], buffer.ToArray(), headers);
            _calls.Enqueue(call);
            answer = await _intercept(call, this) ?? await ForwardAsync(call);
        }
        catch (Exception ex)
        {
            answer = ServerAnswer.Error(500, "TestServerFailure", ex.Message);
        }
        var bytes = System.Text.Encoding.UTF8.GetBytes(answer.Body);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        _upstream.Dispose();
    }
}
