using Microsoft.Extensions.Options;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Trust;

namespace Pipeline.Web.Api;

/// <summary>Trust signals: source freshness, data checks and webhook notifications (README: "Trust signals").</summary>
public static class TrustEndpoints
{
    public static RouteGroupBuilder MapTrustEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/sources", SourcesAsync).WithTags("Sources");

        var quality = api.MapGroup("/quality").WithTags("Quality");
        quality.MapGet("", LatestAsync);
        quality.MapGet("/history", HistoryAsync);
        quality.MapPost("/run", RunChecksAsync);

        var notifications = api.MapGroup("/notifications").WithTags("Notifications");
        notifications.MapGet("/deliveries", DeliveriesAsync);
        notifications.MapGet("/webhooks", Webhooks);
        notifications.MapPost("/webhooks/{index}/test", SendTestAsync);
        return api;
    }

    private static async Task<IResult> SourcesAsync(SourceFreshnessService freshness, CancellationToken ct) =>
        Results.Ok(new ItemsResponse<SourceDto>((await freshness.ListAsync(ct)).Select(SourceDto.From).ToList()));

    private static async Task<IResult> LatestAsync(IQualityStore results, CancellationToken ct) =>
        Results.Ok(new ItemsResponse<CheckDto>((await results.LatestChecksAsync(ct)).Select(CheckDto.From).ToList()));

    private static async Task<IResult> HistoryAsync(string? check, string? source, string? limit, IQualityStore results, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 50, 1000, out var n, out var error)) return error!;
        check = string.IsNullOrWhiteSpace(check) ? null : check.Trim();
        if (check is not null && !DataCheckNames.All.Contains(check, StringComparer.Ordinal))
            return ApiValidation.Invalid("check", $"'{check}' is not a check; known checks: {string.Join(", ", DataCheckNames.All)}.");
        source = string.IsNullOrWhiteSpace(source) ? null : source.Trim().ToLowerInvariant();
        return Results.Ok(new ItemsResponse<CheckDto>((await results.CheckHistoryAsync(check, source, n, ct)).Select(CheckDto.From).ToList()));
    }

    /// <summary>Runs every check now (on demand) and answers with the results.</summary>
    private static async Task<IResult> RunChecksAsync(DataChecks checks, CancellationToken ct) =>
        Results.Ok(new ItemsResponse<CheckDto>((await checks.RunAsync(null, ct)).Select(CheckDto.From).ToList()));

    private static async Task<IResult> DeliveriesAsync(string? limit, INotificationOutbox outbox, CancellationToken ct)
    {
        if (!ApiValidation.TryLimit(limit, 50, 1000, out var n, out var error)) return error!;
        return Results.Ok(new ItemsResponse<DeliveryDto>((await outbox.RecentDeliveriesAsync(n, ct)).Select(DeliveryDto.From).ToList()));
    }

    private static IResult Webhooks(IOptions<NotificationOptions> options) =>
        Results.Ok(new ItemsResponse<WebhookDto>(options.Value.Webhooks.Select((h, i) => WebhookDto.From(i, h)).ToList()));

    private static async Task<IResult> SendTestAsync(string index, Notifier notifier, CancellationToken ct)
    {
        if (!int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i)
            || await notifier.SendTestAsync(i, ct) is not { } delivery)
            return ApiValidation.NotFound("Webhook", index);
        return Results.Accepted($"/api/notifications/deliveries", new TestDeliveryResponse(delivery.Id));
    }
}
