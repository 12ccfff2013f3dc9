using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Lambdas.Support;

/// <summary>
/// A small stand-in for SSM Parameter Store on 127.0.0.1 (no emulator here serves SSM): it answers
/// <c>POST /</c> with <c>X-Amz-Target: AmazonSSM.GetParameter</c> in SSM's JSON 1.1 protocol
/// (<c>application/x-amz-json-1.1</c>): the parameter as a SecureString when it exists, else <c>ParameterNotFound</c>;
/// <see cref="ThrottleNext"/> answers the next requests with <c>ThrottlingException</c> first. Every request is kept.
/// </summary>
public sealed class SsmParameterServer : IAsyncDisposable
{
    private const string JsonType = "application/x-amz-json-1.1";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _parameters = new();
    private int _throttle;

    public sealed record Request(string? Target, string? ContentType, string? Name, bool WithDecryption);

    private SsmParameterServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    public static async Task<SsmParameterServer> StartAsync()
    {
        var app = LoopbackServer.Create();
        SsmParameterServer? server = null;
        app.MapPost("/", (HttpContext context) => server!.AnswerAsync(context));
        var address = await LoopbackServer.StartAsync(app);
        server = new SsmParameterServer(app, address);
        return server;
    }

    public void Put(string name, string value) => _parameters[name] = value;

    /// <summary>The next <paramref name="count"/> requests get <c>ThrottlingException</c> (HTTP 400, as SSM answers it).</summary>
    public void ThrottleNext(int count) => Interlocked.Exchange(ref _throttle, count);

    private async Task AnswerAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var name = body?["Name"]?.GetValue<string>();
        Requests.Enqueue(new Request(target, context.Request.ContentType, name, body?["WithDecryption"]?.GetValue<bool>() == true));
        if (target != "AmazonSSM.GetParameter")
        {
            await ErrorAsync(context, "UnknownOperationException", $"{target} is not served here");
            return;
        }
        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            await ErrorAsync(context, "ThrottlingException", "Rate exceeded");
            return;
        }
        if (name is null || !_parameters.TryGetValue(name, out var value))
        {
            await ErrorAsync(context, "ParameterNotFound", "");
            return;
        }
        context.Response.ContentType = JsonType;
        await context.Response.WriteAsync(new JsonObject
        {
            ["Parameter"] = new JsonObject
            {
                ["Name"] = name,
                ["Type"] = "SecureString",
                ["Value"] = value,
                ["Version"] = 1,
                ["LastModifiedDate"] = 1.7e9,
                ["ARN"] = $"arn:aws:ssm:us-east-1:123456789012:parameter{(name.StartsWith('/') ? "" : "/")}{name}",
                ["DataType"] = "text",
            },
        }.ToJsonString());
    }

    private static Task ErrorAsync(HttpContext context, string type, string message)
    {
        context.Response.StatusCode = 400;
        context.Response.ContentType = JsonType;
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
