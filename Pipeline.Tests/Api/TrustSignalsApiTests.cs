using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;
using Pipeline.Web.Api;

namespace Pipeline.Tests.Api;

/// <summary>
/// Webhook notifications and source freshness on the real host, told to a real receiver on 127.0.0.1: the signature a
/// receiver verifies with its secret, a retry after a 500 with the same delivery id, a hung endpoint while 20 runs
/// complete, and a source turning stale and fresh again.
/// </summary>
public sealed class TrustSignalsApiTests : IAsyncLifetime
{
    private const string Secret = "webhook-secret-for-tests";
    private WebhookReceiver _receiver = null!;
    private readonly List<PipelineAppFactory> _apps = [];

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private HttpClient Start(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Pipeline:Notifications:PollInterval"] = "00:00:00.100",
            ["Pipeline:Notifications:RetryDelay"] = "00:00:00.200",
            ["Pipeline:Notifications:Timeout"] = "00:00:02",
            ["Pipeline:Notifications:Webhooks:0:Url"] = _receiver.Url.ToString(),
        };
        foreach (var (key, value) in settings) all[key] = value;
        var app = new PipelineAppFactory(settings: all) { ConfigureServices = services };
        _apps.Add(app);
        return app.CreateApiClient();
    }

    private Task<WebhookReceiver.Received> ReceivedAsync(Func<WebhookReceiver.Received, bool> which, string what) =>
        Eventually.WaitForAsync(() => Task.FromResult(_receiver.Requests.FirstOrDefault(which)), r => r is not null, TimeSpan.FromSeconds(60), what)!;

    private static async Task<List<DeliveryDto>> DeliveriesAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<ItemsResponse<DeliveryDto>>("/api/notifications/deliveries?limit=100", ApiCalls.Json))!.Items.ToList();

    [Fact]
    public async Task A_run_that_ends_is_posted_once_signed_with_the_secret_as_GitHub_signs()
    {
        var api = Start(new() { ["Pipeline:Notifications:Webhooks:0:Secret"] = Secret });
        var run = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 40, pageSize = 20 }));
        Assert.Equal("succeeded", run.Status);

        var received = await ReceivedAsync(r => r.Type == "run.succeeded", "run.succeeded to be posted");
        // What a receiver does: HMAC-SHA256 of the raw body bytes with the shared secret, compared with the header.
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), received.Body));
        Assert.Equal(expected, received.Header("X-Pipeline-Signature"));
        Assert.StartsWith("application/json", received.Header("Content-Type"), StringComparison.Ordinal);
        var body = received.Json;
        Assert.Equal("run.succeeded", body.GetProperty("type").GetString());
        Assert.StartsWith("evt_", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.True(body.GetProperty("occurredAt").GetDateTimeOffset() >= run.CreatedAt);
        var data = body.GetProperty("data");
        Assert.Equal((run.RunId, "synthetic", "succeeded"), (data.GetProperty("runId").GetString(), data.GetProperty("source").GetString(), data.GetProperty("status").GetString()));
        Assert.Equal(40, data.GetProperty("stages").GetProperty("productsUpserted").GetInt64());

        var delivery = await Eventually.WaitForAsync(async () => (await DeliveriesAsync(api)).Single(d => d.Type == "run.succeeded"),
            d => d.Status == "delivered", TimeSpan.FromSeconds(30), "the delivery to be recorded as delivered");
        Assert.Equal((received.Header("X-Pipeline-Delivery"), 1, _receiver.Url.ToString()), (delivery.Id, delivery.Attempts, delivery.Url));
        Assert.Single(_receiver.Requests, r => r.Type == "run.succeeded"); // the monitor looks every 100 ms: still one
    }

    [Fact]
    public async Task A_500_is_retried_with_the_same_delivery_id_until_it_is_delivered()
    {
        var api = Start(new() { ["Pipeline:Notifications:Webhooks:0:Events:0"] = "run.succeeded" });
        _receiver.Answer(500, 503);
        var run = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 20, pageSize = 20 }));

        var delivery = await Eventually.WaitForAsync(async () => (await DeliveriesAsync(api)).SingleOrDefault(d => d.Type == "run.succeeded"),
            d => d?.Status == "delivered", TimeSpan.FromSeconds(60), "the delivery to succeed on its third attempt");
        Assert.Equal(3, delivery!.Attempts);
        var attempts = _receiver.Requests.Where(r => r.Type == "run.succeeded").ToList();
        Assert.Equal([500, 503, 200], attempts.Select(a => a.AnsweredWith));
        Assert.All(attempts, a => Assert.Equal(delivery.Id, a.Header("X-Pipeline-Delivery")));
        Assert.All(attempts, a => Assert.Equal(attempts[0].Text, a.Text)); // the same bytes every time
        Assert.Equal(run.RunId, attempts[0].Json.GetProperty("data").GetProperty("runId").GetString());
        // The waits between attempts grow (200 ms, then 400 ms at least).
        Assert.True(attempts[2].At - attempts[1].At >= TimeSpan.FromMilliseconds(380), $"{attempts[1].At:O} → {attempts[2].At:O}");
    }

    [Fact]
    public async Task A_delivery_waiting_for_its_retry_is_sent_by_the_next_process_on_the_same_data()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:Notifications:PollInterval"] = "00:00:00.100",
            ["Pipeline:Notifications:RetryDelay"] = "00:00:10", // far longer than stopping the first process takes
            ["Pipeline:Notifications:Webhooks:0:Url"] = _receiver.Url.ToString(),
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "run.succeeded",
        };
        DateTimeOffset stoppedAt;
        _receiver.Answer(500);
        string deliveryId;
        string dataDirectory;
        await using (var first = new PipelineAppFactory(settings: settings) { KeepDataDirectory = true })
        {
            dataDirectory = first.DataDirectory;
            using var api = first.CreateApiClient();
            await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 10, pageSize = 10 }), andRefresh: false);
            var pending = await Eventually.WaitForAsync(async () => (await DeliveriesAsync(api)).SingleOrDefault(),
                // The claim counts the attempt before the answer comes; the outcome (its error) is written after it.
                d => d is { Attempts: 1, Status: "pending", LastError: not null }, TimeSpan.FromSeconds(30), "the first attempt to fail");
            Assert.Equal("500 Internal Server Error", pending!.LastError);
            deliveryId = pending.Id;
        } // stopped while the retry waits
        stoppedAt = DateTimeOffset.UtcNow;

        var second = new PipelineAppFactory(settings: settings, dataDirectory: dataDirectory);
        _apps.Add(second);
        using var again = second.CreateApiClient();
        var delivered = await Eventually.WaitForAsync(async () => (await DeliveriesAsync(again)).Single(),
            d => d.Status == "delivered", TimeSpan.FromSeconds(60), "the next process to deliver it");
        Assert.Equal((deliveryId, 2), (delivered.Id, delivered.Attempts));
        Assert.Equal([500, 200], _receiver.Requests.Select(r => r.AnsweredWith));
        Assert.True(_receiver.Requests[1].At > stoppedAt, "the retry came from the second process, after the first stopped");
        Assert.All(_receiver.Requests, r => Assert.Equal(deliveryId, r.Header("X-Pipeline-Delivery")));
    }

    [Fact]
    public async Task Twenty_runs_complete_while_the_receiver_holds_every_delivery_unanswered()
    {
        _receiver.Hold();
        var api = Start(new()
        {
            ["Pipeline:Notifications:Timeout"] = "00:05:00", // an attempt waits as long as it may: nothing else must
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "run.succeeded",
        });
        var runs = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var run = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 10, pageSize = 10 }), andRefresh: false);
            Assert.Equal("succeeded", run.Status);
            runs.Add(run.RunId);
        }
        // Every run ended while the receiver had not answered a single delivery (it holds them all).
        await Eventually.WaitForAsync(() => Task.FromResult(_receiver.Held), held => held >= 1, TimeSpan.FromSeconds(30), "a delivery to be held");
        Assert.DoesNotContain(await DeliveriesAsync(api), d => d.Status != "pending");
        using (var list = await api.GetAsync("/api/ingestions?limit=50")) Assert.Equal(HttpStatusCode.OK, list.StatusCode);

        _receiver.Release();
        var deliveries = await Eventually.WaitForAsync(() => DeliveriesAsync(api),
            d => d.Count(x => x.Status == "delivered") == 20, TimeSpan.FromSeconds(60), "all 20 deliveries once the receiver answers");
        Assert.All(deliveries, d => Assert.Equal(1, d.Attempts));
        Assert.Equal(runs.Order(), _receiver.Requests.Select(r => r.Json.GetProperty("data").GetProperty("runId").GetString()!).Order());
    }

    [Fact]
    public async Task A_hung_endpoint_times_out_and_its_deliveries_end_failed_with_the_cause()
    {
        _receiver.Hang = true;
        var api = Start(new()
        {
            ["Pipeline:Notifications:Timeout"] = "00:00:01",
            ["Pipeline:Notifications:MaxAttempts"] = "2",
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "run.succeeded",
        });
        var runs = new List<string>();
        for (var i = 0; i < 3; i++)
            runs.Add((await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 10, pageSize = 10 }), andRefresh: false)).RunId);

        var deliveries = await Eventually.WaitForAsync(() => DeliveriesAsync(api),
            d => d.Count(x => x.Status == "failed") == 3, TimeSpan.FromSeconds(60), "every delivery to fail for good");
        Assert.All(deliveries, d => Assert.Equal((2, "timeout after 1 s"), (d.Attempts, d.LastError)));
        Assert.Equal(6, _receiver.Requests.Count);
        Assert.Equal(runs.Order(), _receiver.Requests.Select(r => r.Json.GetProperty("data").GetProperty("runId").GetString()!).Distinct().Order());
    }

    [Fact]
    public async Task A_source_turns_stale_once_and_fresh_again_after_a_successful_run()
    {
        var api = Start(new()
        {
            // Long enough for the monitor to see the fresh state between the runs on a loaded machine.
            ["Pipeline:Sources:Synthetic:FreshnessMaxAge"] = "00:00:04",
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "source.stale",
            ["Pipeline:Notifications:Webhooks:0:Events:1"] = "source.fresh",
        });
        var before = await SourcesAsync(api);
        Assert.Equal(("never", null, "00:00:04"), (before["synthetic"].Freshness, before["synthetic"].LastSuccessAt, before["synthetic"].MaxAge));
        Assert.Equal("12:00:00", before["dummyjson"].MaxAge); // twice the default schedule's 6 hours
        Assert.Equal("never", before["dummyjson"].Freshness);

        var first = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 10, pageSize = 10 }), andRefresh: false);
        var stale = await ReceivedAsync(r => r.Type == "source.stale", "source.stale");
        var staleData = stale.Json.GetProperty("data");
        Assert.Equal(("synthetic", "stale", first.RunId), (staleData.GetProperty("source").GetString(), staleData.GetProperty("freshness").GetString(),
            staleData.GetProperty("lastRunId").GetString()));
        Assert.Equal("stale", (await SourcesAsync(api))["synthetic"].Freshness);

        var second = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 10, pageSize = 10 }), andRefresh: false);
        var fresh = await ReceivedAsync(r => r.Type == "source.fresh", "source.fresh");
        Assert.Equal(second.RunId, fresh.Json.GetProperty("data").GetProperty("lastRunId").GetString());
        // Once per turn: one stale notice before the recovery, however many looks the monitor took meanwhile.
        Assert.Single(_receiver.Requests.Where(r => r.At <= fresh.At), r => r.Type == "source.stale");
        Assert.DoesNotContain(_receiver.Requests, r => r.Type.StartsWith("run.", StringComparison.Ordinal)); // not subscribed
    }

    [Fact]
    public async Task A_refresh_that_fails_for_good_is_posted_as_refresh_failed_with_its_error()
    {
        var api = Start(new()
        {
            ["Pipeline:Warehouse:RefreshMaxAttempts"] = "2",
            ["Pipeline:Warehouse:RefreshRetryDelay"] = "00:00:00.050",
            ["Pipeline:Notifications:Webhooks:0:Events:0"] = "refresh.failed",
        }, services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IWarehouse));
            services.Remove(original);
            services.AddSingleton<IWarehouse>(sp => new BrokenLoadWarehouse((IWarehouse)original.ImplementationFactory!(sp)));
        });
        var run = await api.WaitForRunAsync(await api.StartRunAsync("synthetic", new { count = 10, pageSize = 10 }));
        Assert.Equal("failed", run.Refresh!.Status);

        var posted = await ReceivedAsync(r => r.Type == "refresh.failed", "refresh.failed");
        var data = posted.Json.GetProperty("data");
        Assert.Equal((run.Refresh.RefreshId, "failed", 2, $"run:{run.RunId}"),
            (data.GetProperty("refreshId").GetString(), data.GetProperty("status").GetString(), data.GetProperty("attempts").GetInt32(), data.GetProperty("trigger").GetString()));
        Assert.Equal("failed after 2 attempts; last: IOException: the warehouse is unreachable", data.GetProperty("error").GetString());
        Assert.Single(_receiver.Requests);
    }

    private sealed class BrokenLoadWarehouse(IWarehouse warehouse) : DelegatingWarehouse(warehouse), IAsyncDisposable
    {
        private readonly IWarehouse _owned = warehouse;

        public ValueTask DisposeAsync() => _owned is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

        public override Task<WarehouseLoadResult> LoadAsync(
            string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct) =>
            throw new IOException("the warehouse is unreachable");
    }

    [Fact]
    public async Task Send_test_posts_to_that_webhook_alone_and_the_webhooks_never_show_their_secret()
    {
        var api = Start(new()
        {
            ["Pipeline:Notifications:Webhooks:0:Secret"] = Secret,
            ["Pipeline:Notifications:Webhooks:1:Url"] = "http://127.0.0.1:9/other",
            ["Pipeline:Notifications:Webhooks:1:Format"] = "slack",
            ["Pipeline:Notifications:Webhooks:1:Events"] = "run.failed, check.failed",
        });
        var text = await api.GetStringAsync("/api/notifications/webhooks");
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        var hooks = JsonSerializer.Deserialize<ItemsResponse<WebhookDto>>(text, ApiCalls.Json)!.Items;
        Assert.Equal((true, "json", 8), (hooks[0].Signed, hooks[0].Format, hooks[0].Events.Count));
        Assert.Equal((false, "slack"), (hooks[1].Signed, hooks[1].Format));
        Assert.Equal(["run.failed", "check.failed"], hooks[1].Events);

        using var response = await api.PostAsync("/api/notifications/webhooks/0/test", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<TestDeliveryResponse>(ApiCalls.Json))!.DeliveryId;
        var received = await ReceivedAsync(r => r.Type == "test", "the test delivery");
        Assert.Equal(id, received.Header("X-Pipeline-Delivery"));
        using (var missing = await api.PostAsync("/api/notifications/webhooks/7/test", null)) Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var bad = await api.GetAsync("/api/notifications/deliveries?limit=0")) Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    private static async Task<Dictionary<string, SourceDto>> SourcesAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<ItemsResponse<SourceDto>>("/api/sources", ApiCalls.Json))!.Items.ToDictionary(s => s.Source);
}
