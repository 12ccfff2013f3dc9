using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Tests.Support;

/// <summary>
/// A local HTTP server that serves the real DummyJSON and FakeStore fixtures with the real APIs' paging semantics
/// (fixtures/*/api-notes.md): DummyJSON <c>/products?limit=&amp;skip=&amp;select=</c> envelopes whose <c>limit</c> is the
/// count returned and <c>limit=0</c> means all; FakeStore a bare array with <c>limit</c> only. Faults can be queued per
/// path to reproduce what real servers do (429 with Retry-After, 5xx, truncated bodies, resets).
/// </summary>
public sealed class FixtureCatalogServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private readonly ConcurrentQueue<(string Key, DateTimeOffset At)> _arrivals = new();

    private FixtureCatalogServer(WebApplication app) => _app = app;

    public Uri DummyJsonBaseUrl { get; private set; } = null!;
    public Uri FakeStoreBaseUrl { get; private set; } = null!;

    /// <summary>DummyJSON's products (a JSON array); replace to serve changed data (e.g. new prices).</summary>
    public JsonArray DummyProducts { get; set; } = (JsonArray)JsonNode.Parse(SharedFixtures.ReadBytes("dummyjson", "products.json"))!;

    /// <summary>FakeStore's products served verbatim from the fixture file unless replaced.</summary>
    public byte[] FakeStoreBody { get; set; } = SharedFixtures.ReadBytes("fakestore", "products.json");

    public int Hits(string pathAndQuery) => _hits.TryGetValue(pathAndQuery, out var n) ? n : 0;

    public int TotalHits => _hits.Values.Sum();

    /// <summary>When each request for <paramref name="pathAndQuery"/> arrived, in order.</summary>
    public IReadOnlyList<DateTimeOffset> Arrivals(string pathAndQuery) =>
        _arrivals.Where(a => a.Key == pathAndQuery).Select(a => a.At).ToList();

    /// <summary>Queues a fault for the next request whose path and query contain <paramref name="match"/>.</summary>
    public void Enqueue(Fault fault) => _faults.Enqueue(fault);

    /// <summary>Faults queued and not yet served.</summary>
    public int PendingFaults => _faults.Count;

    public static async Task<FixtureCatalogServer> StartAsync()
    {
        var app = LoopbackServer.Create();
        var server = new FixtureCatalogServer(app);
        app.Use(server.InjectFaultsAsync);
        app.MapGet("/dummyjson/products", server.DummyProductsAsync);
        app.MapGet("/fakestore/products", (HttpContext ctx) => server.FakeStoreProductsAsync(ctx));
        var address = await LoopbackServer.StartAsync(app);
        server.DummyJsonBaseUrl = new Uri(address, "/dummyjson");
        server.FakeStoreBaseUrl = new Uri(address, "/fakestore");
        return server;
    }

    private async Task InjectFaultsAsync(HttpContext context, RequestDelegate next)
    {
        var key = context.Request.Path + context.Request.QueryString;
        _hits.AddOrUpdate(key, 1, (_, n) => n + 1);
        _arrivals.Enqueue((key, DateTimeOffset.UtcNow));
        if (_faults.TryPeek(out var fault) && key.Contains(fault.Match, StringComparison.Ordinal) && _faults.TryDequeue(out fault))
        {
            switch (fault.Kind)
            {
                case FaultKind.Status:
                    context.Response.StatusCode = fault.StatusCode;
                    if (fault.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                    await context.Response.WriteAsync("{\"message\":\"injected fault\"}");
                    return;
                case FaultKind.Body:
                    context.Response.ContentType = "application/json";
                    context.Response.ContentLength = fault.Body!.Length;
                    await context.Response.Body.WriteAsync(fault.Body!);
                    return;
                case FaultKind.Reset:
                    context.Abort();
                    return;
                case FaultKind.StallBody:
                    context.Response.ContentType = "application/json";
                    context.Response.ContentLength = 1_000_000;
                    await context.Response.WriteAsync("{\"products\":[");
                    await context.Response.Body.FlushAsync();
                    try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
                    catch (OperationCanceledException) { }
                    return;
                case FaultKind.Delay:
                    // Hold the answer longer than the client waits; the client gives up and the request is aborted.
                    try { await Task.Delay(fault.Delay, context.RequestAborted); }
                    catch (OperationCanceledException) { return; }
                    break;
            }
        }
        await next(context);
    }

    private async Task DummyProductsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!TryInt(query["limit"], 30, out var limit)) { await BadRequest(context, "Invalid 'limit' - must be a number"); return; }
        if (!TryInt(query["skip"], 0, out var skip)) { await BadRequest(context, "Invalid 'skip' - must be a number"); return; }
        var all = DummyProducts.Select(p => p!).ToList();
        var total = all.Count;
        IEnumerable<JsonNode> window = all;
        if (skip > 0) window = window.Skip(skip);
        var list = window.ToList();
        if (!(limit == 0 || limit > list.Count)) list = list.Take(limit).ToList();
        var select = query["select"].ToString();
        var fields = string.IsNullOrEmpty(select) ? null : new[] { "id" }.Concat(select.Split(',')).Distinct().ToArray();
        var products = new JsonArray(list.Select(p =>
        {
            if (fields is null) return p.DeepClone();
            var projected = new JsonObject();
            foreach (var f in fields)
                if (p[f] is { } value) projected[f] = value.DeepClone();
            return (JsonNode)projected;
        }).ToArray());
        var envelope = new JsonObject { ["products"] = products, ["total"] = total, ["skip"] = skip, ["limit"] = list.Count };
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(envelope.ToJsonString());
    }

    private async Task FakeStoreProductsAsync(HttpContext context)
    {
        var raw = context.Request.Query["limit"].ToString();
        var limit = int.TryParse(raw, out var n) ? n : 0; // Number(x) || 0: anything else means all
        context.Response.ContentType = "application/json; charset=utf-8";
        if (limit <= 0)
        {
            await context.Response.Body.WriteAsync(FakeStoreBody);
            return;
        }
        var array = JsonNode.Parse(FakeStoreBody)!.AsArray();
        await context.Response.WriteAsync(new JsonArray(array.Take(limit).Select(x => x!.DeepClone()).ToArray()).ToJsonString());
    }

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues raw, int fallback, out int value)
    {
        value = fallback;
        return raw.Count == 0 || int.TryParse(raw.ToString(), out value);
    }

    private static Task BadRequest(HttpContext context, string message)
    {
        context.Response.StatusCode = 400;
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { message }));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public enum FaultKind { Status, Body, Reset, Delay, StallBody }

public sealed record Fault(string Match, FaultKind Kind, int StatusCode = 500, int? RetryAfterSeconds = null, byte[]? Body = null)
{
    public TimeSpan Delay { get; init; }

    /// <summary>Answers normally, but only after <paramref name="delay"/> (a slow or hung server).</summary>
    public static Fault Slow(string match, TimeSpan delay) => new(match, FaultKind.Delay) { Delay = delay };

    public static Fault Status(string match, int status, int? retryAfter = null) => new(match, FaultKind.Status, status, retryAfter);
    public static Fault WithBody(string match, string body) => new(match, FaultKind.Body, Body: Encoding.UTF8.GetBytes(body));
    public static Fault Reset(string match) => new(match, FaultKind.Reset);

    /// <summary>Sends the headers and the start of a body, then nothing more until the client gives up.</summary>
    public static Fault StallBody(string match) => new(match, FaultKind.StallBody);
}
