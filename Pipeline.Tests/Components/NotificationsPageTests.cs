using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Pipeline.Core.Domain;
using Pipeline.Web.Components.Pages;

namespace Pipeline.Tests.Components;

/// <summary>/settings: the configured webhooks (through the real options binding) and the real SQLite outbox.</summary>
public sealed class NotificationsPageTests : MudTestContext
{
    private const string Secret = "whsec-never-on-the-page-0123";
    private readonly PageBackends _backends = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backends.Dispose();
    }

    private void Configure(bool webhooks = true) => Services.AddTrustSignals(_backends, webhooks
        ? new Dictionary<string, string?>
        {
            ["Pipeline:Notifications:Webhooks:0:Url"] = "https://hooks.example.test/pipeline?token=abc123",
            ["Pipeline:Notifications:Webhooks:0:Secret"] = Secret,
            ["Pipeline:Notifications:Webhooks:0:Events"] = "run.failed,check.failed",
            ["Pipeline:Notifications:Webhooks:0:Format"] = "slack",
            ["Pipeline:Notifications:Webhooks:1:Url"] = "http://127.0.0.1:9/hook",
        }
        : null);

    private IRenderedComponent<Notifications> RenderSettings(TimeSpan? refresh = null) =>
        Render<Notifications>(p => p.Add(x => x.RefreshInterval, refresh ?? TimeSpan.FromHours(1)));

    private static WebhookDelivery Delivery(string id, string type, int webhook, DateTimeOffset createdAt) => new()
    {
        Id = id, EventId = "evt_" + id, Type = type, Webhook = webhook, Url = "http://127.0.0.1:9/hook", Body = "{}", CreatedAt = createdAt,
        NextAttemptAt = createdAt,
    };

    [Fact]
    public void Lists_each_webhook_signed_or_not_without_its_secret()
    {
        Configure();
        var page = RenderSettings();

        var rows = page.FindAll("#webhooks-table tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal("https://hooks.example.test/pipeline?…", rows[0].QuerySelector("[data-url]")!.TextContent.Trim());
        Assert.Equal("true", rows[0].QuerySelector("[data-signed]")!.GetAttribute("data-signed"));
        Assert.Contains("signed", rows[0].QuerySelector("[data-signed]")!.TextContent);
        Assert.Equal("run.failed, check.failed", rows[0].QuerySelector("[data-events]")!.TextContent.Trim());
        Assert.Contains("slack", rows[0].TextContent);
        Assert.Equal("http://127.0.0.1:9/hook", rows[1].QuerySelector("[data-url]")!.TextContent.Trim());
        Assert.Equal("unsigned", rows[1].QuerySelector("[data-signed]")!.TextContent.Trim());
        Assert.Equal("all events", rows[1].QuerySelector("[data-events]")!.TextContent.Trim());
        Assert.Contains("json", rows[1].TextContent);
        Assert.DoesNotContain(Secret, page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("#webhooks-empty"));
    }

    [Fact]
    public async Task Send_test_queues_a_test_delivery_for_that_webhook_alone()
    {
        Configure();
        var page = RenderSettings();
        await page.WaitForAssertionAsync(() => Assert.Contains("No delivery yet", page.Find("#deliveries-table").TextContent));

        page.Find("[data-action=test][data-webhook='1']").Click();

        await page.WaitForAssertionAsync(() => Assert.Single(page.FindAll("#deliveries-table tbody tr [data-type]")));
        var queued = Assert.Single(await _backends.Runs.RecentDeliveriesAsync(10, CancellationToken.None));
        Assert.Equal((NotificationTypes.Test, 1, "http://127.0.0.1:9/hook", DeliveryStatus.Pending), (queued.Type, queued.Webhook, queued.Url, queued.Status));
        var row = page.Find("#deliveries-table tbody tr");
        Assert.Equal("test", row.QuerySelector("[data-type]")!.TextContent.Trim());
        Assert.Equal("pending", row.QuerySelector("[data-delivery-status]")!.GetAttribute("data-delivery-status"));
        Assert.Equal("not yet", row.QuerySelectorAll("td")[5].TextContent.Trim());
        Assert.Equal("Test delivery queued", Assert.Single(Services.GetRequiredService<ISnackbar>().ShownSnackbars).Message);
    }

    [Fact]
    public async Task Deliveries_show_their_outcome_newest_first_and_follow_the_outbox_while_open()
    {
        Configure();
        var outbox = _backends.Runs;
        var now = DateTimeOffset.UtcNow;
        // Seeded as they end up after their attempts (the outbox keeps what is enqueued).
        await outbox.EnqueueAsync(Delivery("d1", NotificationTypes.RunSucceeded, 1, now.AddMinutes(-30)) with
        {
            Status = DeliveryStatus.Delivered, Attempts = 1, LastAttemptAt = now.AddMinutes(-29), NextAttemptAt = null,
        }, CancellationToken.None);
        await outbox.EnqueueAsync(Delivery("d2", NotificationTypes.CheckFailed, 0, now.AddMinutes(-20)) with
        {
            Status = DeliveryStatus.Failed, Attempts = 5, LastAttemptAt = now.AddMinutes(-3), LastError = "500 Internal Server Error", NextAttemptAt = null,
        }, CancellationToken.None);

        var page = RenderSettings(TimeSpan.FromMilliseconds(100));

        await page.WaitForAssertionAsync(() => Assert.Equal(2, page.FindAll("#deliveries-table tbody tr").Count));
        var rows = page.FindAll("#deliveries-table tbody tr");
        Assert.Equal(("check.failed", "failed", "5"), (rows[0].QuerySelector("[data-type]")!.TextContent.Trim(),
            rows[0].QuerySelector("[data-delivery-status]")!.GetAttribute("data-delivery-status"), rows[0].QuerySelector("[data-attempts]")!.TextContent.Trim()));
        Assert.Contains("500 Internal Server Error", rows[0].TextContent);
        Assert.Equal("3 min ago", rows[0].QuerySelectorAll("td")[5].TextContent.Trim());
        Assert.Equal(("run.succeeded", "delivered"), (rows[1].QuerySelector("[data-type]")!.TextContent.Trim(),
            rows[1].QuerySelector("[data-delivery-status]")!.GetAttribute("data-delivery-status")));

        // A delivery queued elsewhere (the notifier, another instance) appears without a reload.
        await outbox.EnqueueAsync(Delivery("d3", NotificationTypes.SourceStale, 1, now), CancellationToken.None);
        await page.WaitForAssertionAsync(() => Assert.Equal(3, page.FindAll("#deliveries-table tbody tr").Count), TimeSpan.FromSeconds(10));
        Assert.Equal("source.stale", page.Find("#deliveries-table tbody tr [data-type]").TextContent.Trim());
    }

    [Fact]
    public void Without_a_webhook_the_page_shows_the_keys_that_configure_one()
    {
        Configure(webhooks: false);
        var page = RenderSettings();

        Assert.Contains("No webhook is configured", page.Find("#webhooks-empty").TextContent);
        var keys = page.Find("#webhook-keys").TextContent;
        foreach (var key in new[] { "Url", "Secret", "Events", "Format" }) Assert.Contains($"Pipeline:Notifications:Webhooks:0:{key}", keys);
        Assert.Empty(page.FindAll("[data-action=test]"));
    }
}
