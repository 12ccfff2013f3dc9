using System.Globalization;
using System.Text.Json.Nodes;
using Pipeline.Core.Domain;

namespace Pipeline.Core.Trust;

/// <summary>Builds each event type's <c>data</c> (the run, refresh, check or source as the API shows it) and its one-line summary.</summary>
public static class NotificationEvents
{
    public static NotificationEvent? ForRun(IngestionRun run)
    {
        if (NotificationTypes.ForRun(run.Status) is not { } type) return null;
        var s = run.Stages;
        var data = new JsonObject
        {
            ["runId"] = run.RunId, ["source"] = run.Source, ["status"] = run.Status.ToWire(), ["trigger"] = run.Trigger,
            ["createdAt"] = run.CreatedAt, ["finishedAt"] = run.FinishedAt,
            ["stages"] = new JsonObject
            {
                ["pagesFetched"] = s.PagesFetched, ["pagesFailed"] = s.PagesFailed, ["rawObjects"] = s.RawObjects,
                ["productsParsed"] = s.ProductsParsed, ["productsUpserted"] = s.ProductsUpserted, ["productsUnchanged"] = s.ProductsUnchanged,
                ["productsRejected"] = s.ProductsRejected, ["priceChanges"] = s.PriceChanges,
            },
            ["errors"] = new JsonArray(run.Errors.Take(5).Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
        };
        var summary = Invariant($"Run {run.RunId} ({run.Source}) {run.Status.ToWire()}: {s.ProductsUpserted:N0} upserted, {s.ProductsRejected:N0} rejected, {s.PagesFailed:N0} page(s) failed")
                      + (run.Errors.Count > 0 ? $"; {run.Errors[0]}" : "");
        return new NotificationEvent(type, $"run:{run.RunId}:{run.Status.ToWire()}", run.FinishedAt ?? run.CreatedAt, data, summary);
    }

    public static NotificationEvent ForFailedRefresh(WarehouseRefresh refresh)
    {
        var data = new JsonObject
        {
            ["refreshId"] = refresh.RefreshId, ["status"] = refresh.Status.ToWire(), ["trigger"] = refresh.Trigger,
            ["createdAt"] = refresh.CreatedAt, ["finishedAt"] = refresh.FinishedAt, ["attempts"] = refresh.Attempts.Count,
            ["error"] = refresh.Error,
        };
        return new NotificationEvent(NotificationTypes.RefreshFailed, $"refresh:{refresh.RefreshId}:failed",
            refresh.FinishedAt ?? refresh.CreatedAt, data, $"Warehouse refresh {refresh.RefreshId} failed: {refresh.Error}");
    }

    public static NotificationEvent ForFailedCheck(CheckResult check)
    {
        var data = new JsonObject
        {
            ["check"] = check.Check, ["source"] = check.Source, ["status"] = "failed", ["observed"] = check.Observed,
            ["expected"] = check.Expected, ["checkedAt"] = check.CheckedAt, ["refreshId"] = check.RefreshId,
        };
        return new NotificationEvent(NotificationTypes.CheckFailed,
            $"check:{check.Check}:{check.Source}:{check.RefreshId ?? check.CheckedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}",
            check.CheckedAt, data, $"Check {check.Check} failed for {check.Source}: {check.Observed} (expected {check.Expected})");
    }

    /// <summary><c>source.stale</c> or <c>source.fresh</c>; one per turn (keyed by the last success it turned on).</summary>
    public static NotificationEvent ForSource(SourceFreshness state)
    {
        var type = state.Freshness == Freshness.Stale ? NotificationTypes.SourceStale : NotificationTypes.SourceFresh;
        var since = state.LastSuccessAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "never";
        var data = new JsonObject
        {
            ["source"] = state.Source, ["freshness"] = Wire(state.Freshness), ["lastSuccessAt"] = state.LastSuccessAt,
            ["lastRunId"] = state.LastRunId, ["maxAge"] = state.MaxAge?.ToString("c", CultureInfo.InvariantCulture),
        };
        var summary = state.Freshness == Freshness.Stale
            ? $"Source {state.Source} is stale: last success {(state.LastSuccessAt is { } at ? DataChecks.Age(state.CheckedAt - at) + " ago" : "never")}, limit {(state.MaxAge is { } max ? DataChecks.Age(max) : "none")}"
            : $"Source {state.Source} is fresh again (run {state.LastRunId})";
        return new NotificationEvent(type, $"source:{state.Source}:{Wire(state.Freshness)}:{since}", state.CheckedAt, data, summary);
    }

    public static NotificationEvent Test(DateTimeOffset now) => new(NotificationTypes.Test, $"test:{Guid.NewGuid():N}", now,
        new JsonObject { ["message"] = "A test notification from Pipeline." }, "Test notification from Pipeline");

    public static string Wire(Freshness freshness) => freshness switch
    {
        Freshness.Fresh => "fresh",
        Freshness.Stale => "stale",
        _ => "never",
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
