using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Contracts;

/// <summary>
/// What every run store must do as the data checks' store (<see cref="IQualityStore"/>) and as the notification outbox
/// (<see cref="INotificationOutbox"/>), SQLite and DynamoDB alike. Derive once per implementation; each test gets a fresh,
/// empty store from <see cref="CreateStoreAsync"/> (already EnsureCreated).
/// </summary>
public abstract class QualityAndOutboxContractTests<TStore> : IAsyncLifetime
    where TStore : IQualityStore, INotificationOutbox
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 6, 0, 0, 250, TimeSpan.Zero);

    /// <summary>A new, empty store for one test.</summary>
    protected abstract Task<TStore> CreateStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static CheckResult Passed(string check, string source, DateTimeOffset at, string? refreshId = "wr-1") =>
        new(check, source, CheckStatus.Passed, "none", "none", at, refreshId);

    private static CheckResult Failed(string check, string source, DateTimeOffset at, string observed) =>
        new(check, source, CheckStatus.Failed, observed, "none", at);

    private static WebhookDelivery NewDelivery(string id, DateTimeOffset createdAt, DateTimeOffset? nextAttemptAt = null) => new()
    {
        Id = id,
        EventId = "evt-" + id,
        Type = NotificationTypes.RunFailed,
        Webhook = 1,
        Url = "https://hooks.example.test/pipeline",
        Body = $$"""{"id":"{{id}}","type":"run.failed","runId":"run-1"}""",
        CreatedAt = createdAt,
        NextAttemptAt = nextAttemptAt ?? createdAt,
    };

    private static async Task<List<string>> DueIdsAsync(TStore store, DateTimeOffset now, int limit = 100) =>
        (await store.DueDeliveriesAsync(now, limit, CancellationToken.None)).Select(d => d.Id).ToList();

    /// <summary>
    /// One attempt as the sender makes it: claims the stored delivery's next attempt at <paramref name="at"/> (held for five
    /// minutes), then records the outcome that <paramref name="outcome"/> makes of the claim. Returns the outcome.
    /// </summary>
    private static async Task<WebhookDelivery> AttemptAsync(TStore store, string id, DateTimeOffset at, Func<WebhookDelivery, WebhookDelivery> outcome)
    {
        var stored = await store.GetDeliveryAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"No delivery '{id}'.");
        var claimed = stored with { Attempts = stored.Attempts + 1, LastAttemptAt = at, NextAttemptAt = at.AddMinutes(5) };
        Assert.True(await store.TryClaimAttemptAsync(claimed, stored.Attempts, CancellationToken.None));
        var ended = outcome(claimed);
        Assert.True(await store.TryRecordOutcomeAsync(ended, claimed.Attempts, CancellationToken.None));
        return ended;
    }

    private static WebhookDelivery Delivered(WebhookDelivery claimed) =>
        claimed with { Status = DeliveryStatus.Delivered, LastError = null, NextAttemptAt = null };

    // ---------------------------------------------------------------- data checks

    [Fact]
    public async Task The_latest_result_of_each_check_and_source_is_the_newest_one_recorded()
    {
        var store = await CreateStoreAsync();
        var newest = Failed(DataCheckNames.ValidPrices, "dummyjson", T0.AddHours(1), "2 products with a null or negative price");
        await store.RecordChecksAsync(
            [Passed(DataCheckNames.ValidPrices, "dummyjson", T0), newest, Passed(DataCheckNames.UniqueIds, "dummyjson", T0)], CancellationToken.None);
        // An older result recorded late does not replace the newer one.
        await store.RecordChecksAsync(
            [Passed(DataCheckNames.ValidPrices, "dummyjson", T0.AddHours(-1)), Passed(DataCheckNames.ValidPrices, "fakestore", T0.AddHours(2), null)],
            CancellationToken.None);

        var latest = await store.LatestChecksAsync(CancellationToken.None);

        Assert.Equal(
            [
                Passed(DataCheckNames.UniqueIds, "dummyjson", T0),
                newest,
                Passed(DataCheckNames.ValidPrices, "fakestore", T0.AddHours(2), null),
            ],
            latest);
    }

    [Fact]
    public async Task History_is_newest_first_filtered_by_check_and_source_up_to_the_limit()
    {
        var store = await CreateStoreAsync();
        var a = Passed(DataCheckNames.ValidPrices, "dummyjson", T0);
        var b = Passed(DataCheckNames.UniqueIds, "dummyjson", T0.AddMinutes(1));
        var c = Failed(DataCheckNames.ValidPrices, "fakestore", T0.AddMinutes(2), "1 product with a null or negative price");
        var d = Failed(DataCheckNames.ValidPrices, "dummyjson", T0.AddMinutes(3), "3 products with a null or negative price");
        var e = Passed(DataCheckNames.Freshness, "fakestore", T0.AddMinutes(4));
        await store.RecordChecksAsync([a, b, c, d, e], CancellationToken.None);

        Assert.Equal([e, d, c, b, a], await store.CheckHistoryAsync(null, null, 100, CancellationToken.None));
        Assert.Equal([e, d], await store.CheckHistoryAsync(null, null, 2, CancellationToken.None));
        Assert.Equal([d, c, a], await store.CheckHistoryAsync(DataCheckNames.ValidPrices, null, 100, CancellationToken.None));
        Assert.Equal([d, b, a], await store.CheckHistoryAsync(null, "dummyjson", 100, CancellationToken.None));
        Assert.Equal([d, b], await store.CheckHistoryAsync(null, "dummyjson", 2, CancellationToken.None));
        Assert.Equal([d, a], await store.CheckHistoryAsync(DataCheckNames.ValidPrices, "dummyjson", 100, CancellationToken.None));
        Assert.Equal([d], await store.CheckHistoryAsync(DataCheckNames.ValidPrices, "dummyjson", 1, CancellationToken.None));
        Assert.Empty(await store.CheckHistoryAsync(DataCheckNames.Reconciliation, null, 100, CancellationToken.None));
        Assert.Empty(await store.CheckHistoryAsync(DataCheckNames.UniqueIds, "fakestore", 100, CancellationToken.None));
    }

    [Fact]
    public async Task Recording_the_same_result_twice_adds_nothing()
    {
        var store = await CreateStoreAsync();
        var result = Failed(DataCheckNames.RequiredFields, "dummyjson", T0, "4 products without a title or a category");
        await store.RecordChecksAsync([result], CancellationToken.None);

        await store.RecordChecksAsync([result], CancellationToken.None);
        await store.RecordChecksAsync([result with { Status = CheckStatus.Passed, Observed = "none" }], CancellationToken.None);

        Assert.Equal([result], await store.CheckHistoryAsync(null, null, 100, CancellationToken.None));
        Assert.Equal([result], await store.LatestChecksAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Pruning_deletes_results_checked_before_the_time_but_never_the_latest_of_a_check_and_source()
    {
        var store = await CreateStoreAsync();
        var before = T0.AddDays(-1);
        var pricesNow = Passed(DataCheckNames.ValidPrices, "dummyjson", T0);
        var idsLatest = Failed(DataCheckNames.UniqueIds, "dummyjson", T0.AddDays(-2), "2 duplicate ids");
        var fakestoreOnly = Passed(DataCheckNames.ValidPrices, "fakestore", T0.AddDays(-3));
        var atTheTime = Passed(DataCheckNames.ValidPrices, "dummyjson", before);
        await store.RecordChecksAsync(
            [
                Passed(DataCheckNames.ValidPrices, "dummyjson", T0.AddDays(-3)), Passed(DataCheckNames.ValidPrices, "dummyjson", T0.AddDays(-2)),
                atTheTime, pricesNow, Passed(DataCheckNames.UniqueIds, "dummyjson", T0.AddDays(-3)), idsLatest, fakestoreOnly,
            ],
            CancellationToken.None);

        Assert.Equal(3, await store.PruneChecksAsync(before, CancellationToken.None));

        Assert.Equal([pricesNow, atTheTime, idsLatest, fakestoreOnly], await store.CheckHistoryAsync(null, null, 100, CancellationToken.None));
        Assert.Equal([idsLatest, pricesNow, fakestoreOnly], await store.LatestChecksAsync(CancellationToken.None));
        Assert.Equal(0, await store.PruneChecksAsync(before, CancellationToken.None));
    }

    // ---------------------------------------------------------------- deliveries

    [Fact]
    public async Task Enqueue_adds_a_delivery_once_and_keeps_the_first()
    {
        var store = await CreateStoreAsync();
        var delivery = NewDelivery("d-1", T0);

        Assert.True(await store.EnqueueAsync(delivery, CancellationToken.None));
        Assert.False(await store.EnqueueAsync(delivery with { Body = "{}", CreatedAt = T0.AddMinutes(1) }, CancellationToken.None));

        Assert.Equal(delivery, await store.GetDeliveryAsync("d-1", CancellationToken.None));
        Assert.Equal(["d-1"], (await store.RecentDeliveriesAsync(10, CancellationToken.None)).Select(d => d.Id));
        Assert.Null(await store.GetDeliveryAsync("d-404", CancellationToken.None));
    }

    [Fact]
    public async Task Due_deliveries_are_the_pending_ones_due_by_now_oldest_due_first()
    {
        var store = await CreateStoreAsync();
        await store.EnqueueAsync(NewDelivery("d-a", T0, T0.AddMinutes(2)), CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-b", T0.AddSeconds(1), T0.AddMinutes(1)), CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-later", T0.AddSeconds(2), T0.AddMinutes(10)), CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-done", T0.AddSeconds(3)) with { Status = DeliveryStatus.Delivered, NextAttemptAt = null }, CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-gave-up", T0.AddSeconds(4)) with { Status = DeliveryStatus.Failed }, CancellationToken.None);

        Assert.Equal(["d-b", "d-a"], await DueIdsAsync(store, T0.AddMinutes(5)));
        Assert.Equal(["d-b"], await DueIdsAsync(store, T0.AddMinutes(5), limit: 1));
        Assert.Equal(["d-b"], await DueIdsAsync(store, T0.AddMinutes(1)));
        Assert.Empty(await DueIdsAsync(store, T0.AddSeconds(59)));
        Assert.Equal(["d-b", "d-a", "d-later"], await DueIdsAsync(store, T0.AddHours(1)));
        var due = Assert.Single(await store.DueDeliveriesAsync(T0.AddMinutes(1), 10, CancellationToken.None));
        Assert.Equal(NewDelivery("d-b", T0.AddSeconds(1), T0.AddMinutes(1)), due);
    }

    [Fact]
    public async Task Of_two_concurrent_claims_with_the_same_attempts_one_wins()
    {
        var store = await CreateStoreAsync();
        var delivery = NewDelivery("d-1", T0);
        await store.EnqueueAsync(delivery, CancellationToken.None);
        var claimed = delivery with { Attempts = 1, LastAttemptAt = T0.AddSeconds(5), NextAttemptAt = T0.AddMinutes(5) };

        var claims = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            Task.Run(() => store.TryClaimAttemptAsync(claimed, 0, CancellationToken.None))));

        Assert.Single(claims, won => won);
        Assert.Equal(claimed, await store.GetDeliveryAsync("d-1", CancellationToken.None));
        Assert.False(await store.TryClaimAttemptAsync(claimed, 0, CancellationToken.None));
        Assert.Empty(await DueIdsAsync(store, T0.AddMinutes(1)));
        Assert.Equal(["d-1"], await DueIdsAsync(store, T0.AddMinutes(5)));
        var second = claimed with { Attempts = 2, LastAttemptAt = T0.AddMinutes(5), NextAttemptAt = T0.AddMinutes(10) };
        Assert.True(await store.TryClaimAttemptAsync(second, 1, CancellationToken.None));
        Assert.Equal(2, (await store.GetDeliveryAsync("d-1", CancellationToken.None))!.Attempts);
        Assert.False(await store.TryClaimAttemptAsync(NewDelivery("d-404", T0) with { Attempts = 1 }, 0, CancellationToken.None));
    }

    [Fact]
    public async Task A_delivery_marked_delivered_or_failed_is_no_longer_due_and_a_retry_is_due_at_its_time()
    {
        var store = await CreateStoreAsync();
        foreach (var id in new[] { "d-ok", "d-failed", "d-retry" }) await store.EnqueueAsync(NewDelivery(id, T0), CancellationToken.None);
        Assert.Equal(["d-failed", "d-ok", "d-retry"], await DueIdsAsync(store, T0));

        var delivered = await AttemptAsync(store, "d-ok", T0.AddSeconds(1), Delivered);
        var failed = await AttemptAsync(store, "d-failed", T0.AddSeconds(2),
            c => c with { Status = DeliveryStatus.Failed, LastError = "HTTP 410 Gone", NextAttemptAt = null });
        var retry = await AttemptAsync(store, "d-retry", T0.AddSeconds(3), c => c with { LastError = "HTTP 503", NextAttemptAt = T0.AddMinutes(2) });

        Assert.Empty(await DueIdsAsync(store, T0.AddMinutes(1)));
        Assert.Equal([retry], await store.DueDeliveriesAsync(T0.AddMinutes(2), 10, CancellationToken.None));
        Assert.Equal(delivered, await store.GetDeliveryAsync("d-ok", CancellationToken.None));
        Assert.Equal(failed, await store.GetDeliveryAsync("d-failed", CancellationToken.None));
        Assert.False(await store.TryClaimAttemptAsync(failed with { Attempts = 2 }, 1, CancellationToken.None));
        await AttemptAsync(store, "d-retry", T0.AddMinutes(2), Delivered);
        Assert.Empty(await DueIdsAsync(store, T0.AddHours(1)));
    }

    [Fact]
    public async Task An_outcome_is_recorded_only_while_its_attempt_is_the_one_claimed()
    {
        var store = await CreateStoreAsync();
        await store.EnqueueAsync(NewDelivery("d-1", T0), CancellationToken.None);
        var first = NewDelivery("d-1", T0) with { Attempts = 1, LastAttemptAt = T0, NextAttemptAt = T0.AddMinutes(5) };
        Assert.True(await store.TryClaimAttemptAsync(first, 0, CancellationToken.None));
        // The first claim's hold lapsed: another worker claimed the second attempt.
        var second = first with { Attempts = 2, LastAttemptAt = T0.AddMinutes(5), NextAttemptAt = T0.AddMinutes(10) };
        Assert.True(await store.TryClaimAttemptAsync(second, 1, CancellationToken.None));

        // The first attempt's late outcome does not undo the second claim.
        Assert.False(await store.TryRecordOutcomeAsync(Delivered(first), 1, CancellationToken.None));
        Assert.Equal(second, await store.GetDeliveryAsync("d-1", CancellationToken.None));
        Assert.Equal(["d-1"], await DueIdsAsync(store, T0.AddMinutes(10)));

        var delivered = Delivered(second);
        Assert.True(await store.TryRecordOutcomeAsync(delivered, 2, CancellationToken.None));
        // Once delivered, no outcome of the same attempt (a repeat, or a claimer that also thought it had it) is written.
        Assert.False(await store.TryRecordOutcomeAsync(second with { Status = DeliveryStatus.Failed, LastError = "HTTP 500", NextAttemptAt = null },
            2, CancellationToken.None));
        Assert.Equal(delivered, await store.GetDeliveryAsync("d-1", CancellationToken.None));
        Assert.Empty(await DueIdsAsync(store, T0.AddHours(1)));
        Assert.False(await store.TryRecordOutcomeAsync(Delivered(NewDelivery("d-404", T0) with { Attempts = 1 }), 1, CancellationToken.None));
    }

    [Fact]
    public async Task Enqueueing_a_delivered_delivery_again_changes_nothing()
    {
        var store = await CreateStoreAsync();
        await store.EnqueueAsync(NewDelivery("d-1", T0), CancellationToken.None);
        var delivered = await AttemptAsync(store, "d-1", T0.AddSeconds(1), Delivered);

        Assert.False(await store.EnqueueAsync(NewDelivery("d-1", T0), CancellationToken.None));

        Assert.Empty(await DueIdsAsync(store, T0.AddHours(1)));
        Assert.Equal(delivered, await store.GetDeliveryAsync("d-1", CancellationToken.None));
        Assert.Equal([delivered], await store.RecentDeliveriesAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Pruning_deletes_ended_deliveries_created_before_the_time_and_keeps_pending_and_recent_ones()
    {
        var store = await CreateStoreAsync();
        var before = T0.AddDays(-1);
        var old = T0.AddDays(-2);
        await store.EnqueueAsync(NewDelivery("d-old-delivered", old), CancellationToken.None);
        await AttemptAsync(store, "d-old-delivered", old.AddSeconds(1), Delivered);
        await store.EnqueueAsync(NewDelivery("d-old-failed", old.AddSeconds(1)) with { Status = DeliveryStatus.Failed, NextAttemptAt = null },
            CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-old-pending", old.AddSeconds(2)), CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-at-the-time", before) with { Status = DeliveryStatus.Delivered, NextAttemptAt = null },
            CancellationToken.None);
        await store.EnqueueAsync(NewDelivery("d-recent", T0), CancellationToken.None);
        await AttemptAsync(store, "d-recent", T0.AddSeconds(1), Delivered);

        Assert.Equal(2, await store.PruneDeliveriesAsync(before, CancellationToken.None));

        Assert.Equal(["d-recent", "d-at-the-time", "d-old-pending"],
            (await store.RecentDeliveriesAsync(100, CancellationToken.None)).Select(d => d.Id));
        Assert.Null(await store.GetDeliveryAsync("d-old-delivered", CancellationToken.None));
        Assert.Equal(["d-old-pending"], await DueIdsAsync(store, T0));
        Assert.Equal(0, await store.PruneDeliveriesAsync(before, CancellationToken.None));
    }

    [Fact]
    public async Task Recent_deliveries_are_newest_first_up_to_the_limit()
    {
        var store = await CreateStoreAsync();
        int[] minutes = [3, 0, 4, 1, 2];
        foreach (var m in minutes) await store.EnqueueAsync(NewDelivery($"d-{m}", T0.AddMinutes(m)), CancellationToken.None);
        await AttemptAsync(store, "d-1", T0.AddMinutes(5), Delivered);

        var all = await store.RecentDeliveriesAsync(100, CancellationToken.None);
        var latest = await store.RecentDeliveriesAsync(2, CancellationToken.None);

        Assert.Equal(["d-4", "d-3", "d-2", "d-1", "d-0"], all.Select(d => d.Id));
        Assert.Equal(DeliveryStatus.Delivered, all[3].Status);
        Assert.Equal(["d-4", "d-3"], latest.Select(d => d.Id));
    }

    // ---------------------------------------------------------------- markers

    [Fact]
    public async Task A_marker_is_set_when_absent_and_then_only_from_the_value_expected()
    {
        var store = await CreateStoreAsync();
        const string key = "stale:dummyjson";

        Assert.Null(await store.GetMarkerAsync(key, CancellationToken.None));
        Assert.False(await store.TrySetMarkerAsync(key, "fresh", "stale", CancellationToken.None));
        Assert.Null(await store.GetMarkerAsync(key, CancellationToken.None));
        Assert.True(await store.TrySetMarkerAsync(key, null, "fresh", CancellationToken.None));
        Assert.False(await store.TrySetMarkerAsync(key, null, "stale", CancellationToken.None));
        Assert.Equal("fresh", await store.GetMarkerAsync(key, CancellationToken.None));
        Assert.False(await store.TrySetMarkerAsync(key, "stale", "fresh", CancellationToken.None));
        Assert.True(await store.TrySetMarkerAsync(key, "fresh", "stale", CancellationToken.None));
        Assert.Equal("stale", await store.GetMarkerAsync(key, CancellationToken.None));
        Assert.Null(await store.GetMarkerAsync("stale:fakestore", CancellationToken.None));

        var racers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => store.TrySetMarkerAsync(key, "stale", $"fresh-{i}", CancellationToken.None))));

        var winner = Assert.Single(Enumerable.Range(0, 4), i => racers[i]);
        Assert.Equal($"fresh-{winner}", await store.GetMarkerAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task Pruning_markers_deletes_those_with_the_prefix_written_before_the_time()
    {
        var store = await CreateStoreAsync();
        string[] keys = ["raised:run-1", "raised:run-10", "raised:run-2", "raisedx:run-1", "checked:wr-1", "notifier:since"];
        foreach (var key in keys) Assert.True(await store.TrySetMarkerAsync(key, null, "1", CancellationToken.None));
        Assert.True(await store.TrySetMarkerAsync("raised:run-2", "1", "2", CancellationToken.None));
        var justBefore = DateTimeOffset.UtcNow.AddMinutes(-1);
        var justAfter = DateTimeOffset.UtcNow.AddMinutes(1);

        Assert.Equal(0, await store.PruneMarkersAsync("raised:", justBefore, CancellationToken.None));
        Assert.Equal(2, await store.PruneMarkersAsync("raised:run-1", justAfter, CancellationToken.None));
        Assert.Equal(1, await store.PruneMarkersAsync("raised:", justAfter, CancellationToken.None));

        foreach (var key in keys[..3]) Assert.Null(await store.GetMarkerAsync(key, CancellationToken.None));
        foreach (var key in keys[3..]) Assert.Equal("1", await store.GetMarkerAsync(key, CancellationToken.None));
        Assert.True(await store.TrySetMarkerAsync("raised:run-1", null, "again", CancellationToken.None));
        Assert.Equal("again", await store.GetMarkerAsync("raised:run-1", CancellationToken.None));
        // Markers are kept by the key up to its first ':' (the DynamoDB store lists them so).
        await Assert.ThrowsAsync<ArgumentException>(() => store.PruneMarkersAsync("raised", justAfter, CancellationToken.None));
    }
}
