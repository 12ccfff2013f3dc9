using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Adapters.Local;
using Pipeline.Core.Configuration;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using Pipeline.Core.Stages;
using Pipeline.Tests.Adapters.Local;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Stages;

/// <summary>
/// The refresh on the embedded backends, with faults: a load that breaks is retried and every attempt is kept; counts
/// that do not reconcile never end <c>succeeded</c> and make the retry load everything; the change-feed position moves
/// only with a refresh that succeeded; a warehouse file locked by another process fails the attempt with a clear error
/// and the retry after the lock goes completes; writes while a refresh reads are not lost.
/// </summary>
public sealed class WarehouseRefresherTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T1 = new(2026, 3, 1, 6, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _dir = new();
    private readonly ManualClock _clock = new();
    private SqliteDatabase _db = null!;
    private SqliteProductStore _store = null!;
    private SqliteRunStore _runs = null!;
    private DuckDbWarehouse _warehouse = null!;

    public async Task InitializeAsync()
    {
        _db = new SqliteDatabase(Path.Combine(_dir.Path, "store.db"));
        _store = new SqliteProductStore(_db, _clock);
        await _store.EnsureCreatedAsync(CancellationToken.None);
        _runs = new SqliteRunStore(_db);
        await _runs.EnsureCreatedAsync(CancellationToken.None);
        _warehouse = new DuckDbWarehouse(WarehousePath, _clock, new DuckDbWarehouseOptions { ChunkRows = 1_000 });
    }

    public async Task DisposeAsync()
    {
        await _warehouse.DisposeAsync();
        await _db.DisposeAsync();
        _dir.Dispose();
    }

    private string WarehousePath => Path.Combine(_dir.Path, "warehouse.duckdb");

    /// <summary>Synthetic products of one seed: a product keeps its id across seeds, and nearly every price differs.</summary>
    private static List<Product> Synthetic(int count, int seed) => SyntheticProducts.Parsed(count, seed, 1, $"run-{seed}", T1);

    private WarehouseRefresher Refresher(IWarehouse? warehouse = null, IRefreshStore? refreshes = null, int maxAttempts = 4) =>
        new(_store, refreshes ?? _runs, warehouse ?? _warehouse, _clock,
            Options.Create(new PipelineOptions { Warehouse = { RefreshMaxAttempts = maxAttempts, RefreshRetryDelay = TimeSpan.Zero } }),
            NullLogger<WarehouseRefresher>.Instance, changeFeed: _store);

    private static async Task<WarehouseRefresh> RefreshAsync(WarehouseRefresher refresher) =>
        await refresher.ExecuteAsync((await refresher.CreateAsync("test", CancellationToken.None)).RefreshId, CancellationToken.None);

    /// <summary>Two runs of 3,000 products of different seeds into the store; returns the store's counts.</summary>
    private async Task<SourceCounts> TwoEpochsAsync()
    {
        await _store.UpsertAsync(Synthetic(3_000, 7), "run-1", T1, CancellationToken.None);
        await _store.UpsertAsync(Synthetic(3_000, 8), "run-2", T1.AddHours(6), CancellationToken.None);
        var counts = Assert.Single(await _store.CountsAsync(CancellationToken.None));
        Assert.Equal(3_000, counts.Products);
        Assert.InRange(counts.Observations, 5_500, 6_000);
        return counts;
    }

    [Fact]
    public async Task A_load_that_breaks_is_retried_and_the_refresh_records_every_attempt()
    {
        var store = await TwoEpochsAsync();
        var flaky = new FaultyWarehouse(_warehouse) { BreakObservationsAfter = 2_500 };

        var refresh = await RefreshAsync(Refresher(flaky));

        Assert.Equal(RunStatus.Succeeded, refresh.Status);
        Assert.Null(refresh.Error);
        Assert.Equal(2, refresh.Attempts.Count);
        var (first, second) = (refresh.Attempts[0], refresh.Attempts[1]);
        Assert.Equal(("failed", false), (first.Status, first.FullReload));
        Assert.Equal("IOException: the store read broke after 2500 rows", first.Error);
        Assert.Equal(("succeeded", false), (second.Status, second.FullReload));
        // The retry inserted only what the broken attempt had not committed (two chunks of 1,000 had).
        Assert.Equal((3_000, store.Observations - 2_000), (second.ProductsLoaded, second.ObservationsLoaded));
        Assert.Equal(refresh, await _runs.GetRefreshAsync(refresh.RefreshId, CancellationToken.None));

        var reconciliation = await Refresher().ReconcileAsync(CancellationToken.None);
        Assert.Equal([new ReconciliationItem("synthetic", 3_000, 3_000, store.Observations, store.Observations, true)], reconciliation.Items);
        Assert.Equal(2, (await _warehouse.PriceHistoryAsync("synthetic:7", CancellationToken.None)).Count);
        var changes = await _warehouse.PriceChangesAsync(null, 1000, CancellationToken.None);
        Assert.Equal(1000, changes.Count);
        Assert.All(changes, c => Assert.Equal(T1.AddHours(6), c.ObservedAt));
    }

    [Fact]
    public async Task A_refresh_that_fails_every_attempt_ends_failed_and_leaves_the_feed_position_for_the_next()
    {
        await TwoEpochsAsync();
        var broken = new FaultyWarehouse(_warehouse) { BreakObservationsAfter = 2_500, Failures = int.MaxValue };

        var failed = await RefreshAsync(Refresher(broken, maxAttempts: 3));

        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(3, failed.Attempts.Count);
        Assert.All(failed.Attempts, a => Assert.Equal("failed", a.Status));
        Assert.Equal("failed after 3 attempts; last: IOException: the store read broke after 2500 rows", failed.Error);
        Assert.Null(await _store.GetConsumerPositionAsync(WarehouseRefresher.FeedConsumer, CancellationToken.None));
        Assert.False((await Refresher().ReconcileAsync(CancellationToken.None)).Matches);

        var next = await RefreshAsync(Refresher());
        Assert.Equal(RunStatus.Succeeded, next.Status);
        Assert.Equal(await _store.CurrentPositionAsync(CancellationToken.None),
            await _store.GetConsumerPositionAsync(WarehouseRefresher.FeedConsumer, CancellationToken.None));
        Assert.True((await Refresher().ReconcileAsync(CancellationToken.None)).Matches);
    }

    [Fact]
    public async Task Counts_that_do_not_reconcile_never_end_succeeded_and_the_retry_loads_everything()
    {
        var store = await TwoEpochsAsync();
        var ofSeven = (await _store.GetPriceHistoryAsync("synthetic:7", CancellationToken.None)).Count;
        // A warehouse that silently drops one product's observations on its first load: the load itself "succeeds".
        var lossy = new FaultyWarehouse(_warehouse) { DropObservationsOf = "synthetic:7" };

        var once = await RefreshAsync(Refresher(lossy, maxAttempts: 1));
        Assert.Equal(RunStatus.Failed, once.Status);
        Assert.Equal($"reconciliation failed: synthetic: store 3000 products / {store.Observations} observations, warehouse 3000 / {store.Observations - ofSeven}",
            once.Error);
        Assert.Null(await _store.GetConsumerPositionAsync(WarehouseRefresher.FeedConsumer, CancellationToken.None));

        await _store.UpsertAsync(Synthetic(3_000, 9), "run-3", T1.AddHours(12), CancellationToken.None);
        var after = Assert.Single(await _store.CountsAsync(CancellationToken.None));
        ofSeven = (await _store.GetPriceHistoryAsync("synthetic:7", CancellationToken.None)).Count;
        lossy.Failures = 2;
        var retried = await RefreshAsync(Refresher(lossy));
        Assert.Equal(RunStatus.Succeeded, retried.Status);
        Assert.Equal(["failed", "succeeded"], retried.Attempts.Select(a => a.Status));
        Assert.Equal($"reconciliation failed: synthetic: store 3000 products / {after.Observations} observations, warehouse 3000 / {after.Observations - ofSeven}",
            retried.Attempts[0].Error);
        Assert.True(retried.Attempts[1].FullReload);
        Assert.Equal([new ReconciliationItem("synthetic", 3_000, 3_000, after.Observations, after.Observations, true)],
            (await Refresher().ReconcileAsync(CancellationToken.None)).Items);
        Assert.Equal(ofSeven, (await _warehouse.PriceHistoryAsync("synthetic:7", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_gap_below_the_loaded_position_is_found_by_the_reconciliation_and_filled_by_a_full_reload()
    {
        var store = await TwoEpochsAsync();
        Assert.Equal(RunStatus.Succeeded, (await RefreshAsync(Refresher())).Status);
        var ofSeven = (await _warehouse.PriceHistoryAsync("synthetic:7", CancellationToken.None)).Count;
        // The warehouse loses rows it had loaded (an older copy of its file put back, a table edited by hand): the
        // store's feed has nothing new after the position, so only the reconciliation can see the gap.
        using (var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={WarehousePath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM price_observations WHERE product_id = 'synthetic:7'";
            Assert.Equal(ofSeven, command.ExecuteNonQuery());
        }

        var refresh = await RefreshAsync(Refresher());

        Assert.Equal(RunStatus.Succeeded, refresh.Status);
        Assert.Equal([("failed", false, 0L), ("succeeded", true, (long)ofSeven)],
            refresh.Attempts.Select(a => (a.Status, a.FullReload, a.ObservationsLoaded)));
        Assert.Equal($"reconciliation failed: synthetic: store 3000 products / {store.Observations} observations, warehouse 3000 / {store.Observations - ofSeven}",
            refresh.Attempts[0].Error);
        Assert.Equal(ofSeven, (await _warehouse.PriceHistoryAsync("synthetic:7", CancellationToken.None)).Count);
        Assert.True((await Refresher().ReconcileAsync(CancellationToken.None)).Matches);
    }

    [Fact]
    public async Task A_refresh_taken_up_after_a_restart_counts_the_attempts_it_already_used()
    {
        await TwoEpochsAsync();
        var refresher = Refresher(maxAttempts: 2);
        var created = await refresher.CreateAsync("test", CancellationToken.None);
        var start = _clock.GetUtcNow();
        // As a process that stopped during the second attempt left it.
        await _runs.UpdateRefreshAsync(created with
        {
            Status = RunStatus.Running, StartedAt = start,
            Attempts = [new RefreshAttempt(1, start, start, "failed", "IOException: disk"), new RefreshAttempt(2, start, null, "running", null)],
        }, CancellationToken.None);

        var ended = await refresher.ExecuteAsync(created.RefreshId, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, ended.Status);
        Assert.Equal("failed after 2 attempts; last: interrupted: the process stopped during the attempt", ended.Error);
        Assert.Equal(["failed", "failed"], ended.Attempts.Select(a => a.Status));
        Assert.Null(await _store.GetConsumerPositionAsync(WarehouseRefresher.FeedConsumer, CancellationToken.None));
    }

    [Fact]
    public async Task The_feed_hands_a_refresh_the_products_the_store_held_at_its_position_at_their_newest_state()
    {
        await _store.UpsertAsync(Synthetic(200, 7), "run-1", T1, CancellationToken.None);
        var upTo = await _store.CurrentPositionAsync(CancellationToken.None);
        // After the refresh took its position: 100 of the products change, and 100 new ones arrive.
        var later = Synthetic(300, 8).Skip(100).ToList();
        await _store.UpsertAsync(later, "run-2", T1.AddHours(6), CancellationToken.None);

        var products = await _store.ScanChangedAsync(-1, upTo, CancellationToken.None).ToListAsync();
        Assert.Equal(200, products.Count);
        Assert.Equal(later[50].ContentHash, products.Single(p => p.Id == later[50].Id).ContentHash);
        Assert.DoesNotContain(products, p => p.Id == later[150].Id);
        Assert.Equal([new SourceCounts("synthetic", 200, 200)], await _store.CountsAtAsync(upTo, CancellationToken.None));
        var now = Assert.Single(await _store.CountsAsync(CancellationToken.None));
        Assert.Equal(300, now.Products);
        Assert.InRange(now.Observations, 390, 400);
    }

    [Fact]
    public async Task A_warehouse_file_locked_by_another_process_fails_the_attempt_clearly_and_the_retry_completes()
    {
        await TwoEpochsAsync();
        await using (var creator = new DuckDbWarehouse(WarehousePath, _clock)) await creator.EnsureSchemaAsync(CancellationToken.None);
        using var holder = LockHolder.Hold(WarehousePath);
        // The lock goes when the first attempt's failure is recorded, before the retry starts.
        var refreshes = new RecordingRefreshStore(_runs) { OnRetryScheduled = holder.Release };

        var refresh = await RefreshAsync(Refresher(refreshes: refreshes));

        Assert.Equal(RunStatus.Succeeded, refresh.Status);
        Assert.Equal(2, refresh.Attempts.Count);
        Assert.StartsWith($"DuckDbWarehouseException: The warehouse file {WarehousePath} is locked by another process", refresh.Attempts[0].Error);
        Assert.True((await Refresher().ReconcileAsync(CancellationToken.None)).Matches);
    }

    /// <summary>Holds a POSIX write lock on a file from another process (as a second DuckDB would), until released.</summary>
    private sealed class LockHolder : IDisposable
    {
        private readonly Process _process;

        private LockHolder(Process process) => _process = process;

        public static LockHolder Hold(string path)
        {
            var start = new ProcessStartInfo("python3",
                ["-c", "import fcntl,sys; f=open(sys.argv[1],'r+b'); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print('locked', flush=True); sys.stdin.read()", path])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
            var line = process.StandardOutput.ReadLine();
            if (line != "locked") throw new InvalidOperationException($"The lock holder said '{line}' instead of 'locked'.");
            return new LockHolder(process);
        }

        public void Release()
        {
            if (_process.HasExited) return;
            _process.StandardInput.Close();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.Dispose();
        }
    }

    /// <summary>The refresh store, calling <see cref="OnRetryScheduled"/> when a refresh records a failed attempt that will be retried.</summary>
    private sealed class RecordingRefreshStore(IRefreshStore inner) : DelegatingRefreshStore(inner)
    {
        public Action? OnRetryScheduled { get; init; }

        public override async Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct)
        {
            await base.UpdateRefreshAsync(refresh, ct);
            if (refresh.NextAttemptAt is not null) OnRetryScheduled?.Invoke();
        }
    }

    /// <summary>
    /// The warehouse, broken for the first <see cref="Failures"/> loads: the observations stream breaks after
    /// <see cref="BreakObservationsAfter"/> rows, or one product's observations are silently left out.
    /// </summary>
    private sealed class FaultyWarehouse(IWarehouse inner) : DelegatingWarehouse(inner)
    {
        private int _loads;

        public int Failures { get; set; } = 1;
        public int? BreakObservationsAfter { get; init; }
        public string? DropObservationsOf { get; init; }

        public override Task<WarehouseLoadResult> LoadAsync(
            string refreshId, IAsyncEnumerable<Product> products, IAsyncEnumerable<PriceObservation> observations, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _loads) <= Failures)
            {
                if (BreakObservationsAfter is { } after) observations = Break(observations, after);
                if (DropObservationsOf is { } id) observations = observations.Where(o => o.ProductId != id);
            }
            return base.LoadAsync(refreshId, products, observations, ct);
        }

        private static async IAsyncEnumerable<PriceObservation> Break(IAsyncEnumerable<PriceObservation> items, int after)
        {
            var count = 0;
            await foreach (var item in items)
            {
                if (count++ == after) throw new IOException($"the store read broke after {after} rows");
                yield return item;
            }
        }
    }
}
