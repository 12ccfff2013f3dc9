using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;
using R = Pipeline.Adapters.Aws.DynamoDb.RunItems;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Runs, counters, idempotency markers, active-run locks, stream checkpoints, warehouse refreshes and run events in one DynamoDB
/// table (docs/dynamodb-design.md); data check results and the notification outbox in the same table
/// (<c>DynamoDbRunStore.Quality.cs</c>, <c>DynamoDbRunStore.Outbox.cs</c>).
/// </summary>
/// <remarks>
/// DynamoDB transactions are avoided (the local server has none), so two operations are two writes:
/// <list type="bullet">
/// <item><see cref="ApplyOnceAsync"/> puts the idempotency marker (condition: absent), then ADDs the counters. A crash
/// between the two loses those deltas (the marker says "applied"); it never counts twice.</item>
/// <item><see cref="TryCreateRunAsync"/> writes the run, then takes the source's lock item; a refused creator deletes its
/// run again. A lock whose run has ended (or vanished) is taken over with a condition on the old run id.</item>
/// </list>
/// Conditions cannot add attributes together, so <see cref="TryFinishAsync"/> reads the run, decides, and updates on
/// the condition that the counters it read are unchanged (optimistic; re-read on conflict).
/// </remarks>
public sealed partial class DynamoDbRunStore : IRunStore, IIdempotencyMarkers, IRefreshStore, ICheckpointStore, IRunEventLog
{
    /// <summary>Errors kept per run; later ones are dropped.</summary>
    public const int MaxErrors = 50;

    /// <summary>Longest error message kept (longer ones are cut and end in "…").</summary>
    public const int MaxErrorLength = 2000;

    private const int MaxConditionalAttempts = 20;

    private readonly IAmazonDynamoDB _db;
    private readonly DynamoDbStoreOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly DynamoDbBatches _batches;

    public DynamoDbRunStore(IAmazonDynamoDB client, DynamoDbStoreOptions options, TimeProvider? clock = null, ILogger<DynamoDbRunStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _db = client;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _batches = new DynamoDbBatches(client, _logger);
    }

    public string ProviderName => "DynamoDB";

    /// <summary>Info and warning events kept per run (<see cref="IRunEventLog.MaxInfoAndWarningEvents"/>; lower in tests).</summary>
    public int MaxInfoAndWarningEvents { get; set; } = IRunEventLog.MaxInfoAndWarningEvents;

    private string Table => _options.RunsTable;

    public Task EnsureCreatedAsync(CancellationToken ct) =>
        _options.CreateTablesIfMissing
            ? DynamoDbTables.EnsureCreatedAsync(_db, DynamoDbTables.RunStoreTables(_options), _logger, ct)
            : Task.CompletedTask;

    // ---------------------------------------------------------------- runs

    public async Task<(IngestionRun Run, bool Created)> TryCreateRunAsync(IngestionRun run, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await _db.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = R.ToItem(run),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            var existing = await GetRunAsync(run.RunId, ct).ConfigureAwait(false);
            return (existing ?? run, false);
        }
        if (run.Status.IsTerminal()) return (run, true);

        string? staleHolder = null;
        for (var attempt = 1; attempt <= MaxConditionalAttempts; attempt++)
        {
            try
            {
                await _db.PutItemAsync(new PutItemRequest
                {
                    TableName = Table,
                    Item = new Dictionary<string, AttributeValue>(R.LockKey(run.Source)) { [R.RunId] = S(run.RunId) },
                    ConditionExpression = staleHolder is null ? "attribute_not_exists(#pk)" : "#runId = :stale",
                    ExpressionAttributeNames = staleHolder is null ? new() { ["#pk"] = R.Pk } : new() { ["#runId"] = R.RunId },
                    ExpressionAttributeValues = staleHolder is null ? null : new() { [":stale"] = S(staleHolder) },
                }, ct).ConfigureAwait(false);
                return (run, true);
            }
            catch (ConditionalCheckFailedException)
            {
                var holder = await GetLockHolderAsync(run.Source, ct).ConfigureAwait(false);
                if (holder is null)
                {
                    staleHolder = null; // released meanwhile
                    continue;
                }
                if (holder == run.RunId) return (run, true);
                var other = await GetRunAsync(holder, ct).ConfigureAwait(false);
                if (other is not null && !other.Status.IsTerminal())
                {
                    await _db.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = R.RunKey(run.RunId) }, ct).ConfigureAwait(false);
                    return (other, false);
                }
                _logger.LogInformation("Taking over the {Source} run lock from ended run {RunId}", run.Source, holder);
                staleHolder = holder;
            }
        }
        throw new InvalidOperationException($"Could not take the active-run lock of source '{run.Source}' (too much contention).");
    }

    public async Task<IngestionRun?> GetRunAsync(string runId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(runId)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = R.RunKey(runId), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? R.RunFromItem(item) : null;
    }

    /// <summary>Newest first (by createdAt).</summary>
    public async Task<IReadOnlyList<IngestionRun>> ListRunsAsync(int limit, CancellationToken ct) =>
        (await ListRecentAsync(R.RunsList, limit, ct).ConfigureAwait(false)).Select(R.RunFromItem).ToList();

    /// <summary>
    /// Newest first, filtered after the keys-only "recent" index is read (runs are few: thousands, not millions); the token
    /// is the index position of the last run returned.
    /// </summary>
    public async Task<RunPage> QueryRunsAsync(RunQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var request = new QueryRequest
        {
            TableName = Table,
            IndexName = DynamoDbTables.RecentIndex,
            KeyConditionExpression = "#list = :list",
            ExpressionAttributeNames = new() { ["#list"] = R.ListPk },
            ExpressionAttributeValues = new() { [":list"] = S(R.RunsList) },
            ScanIndexForward = false,
            Limit = Math.Max(limit, 50),
        };
        if (query.PageToken is not null)
        {
            var position = OpaqueToken.Decode(query.PageToken).Split('|');
            if (position.Length != 2 || !position[1].StartsWith("run#", StringComparison.Ordinal))
                throw new FormatException("The page token is not one this store wrote.");
            request.ExclusiveStartKey = new()
            {
                [R.ListPk] = S(R.RunsList), [R.ListSk] = S(position[0]), [R.Pk] = S(position[1]), [R.Sk] = S("run"),
            };
        }
        var runs = new List<(IngestionRun Run, string ListSk, string Pk)>(limit);
        var more = true;
        while (runs.Count < limit && more)
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            var keys = (response.Items ?? []).Select(e => new Dictionary<string, AttributeValue> { [R.Pk] = e[R.Pk], [R.Sk] = e[R.Sk] }).ToList();
            var items = await _batches.GetAsync(Table, keys, consistentRead: true, null, null, ct).ConfigureAwait(false);
            var byKey = items.ToDictionary(i => i.GetRequiredString(R.Pk), StringComparer.Ordinal);
            foreach (var entry in response.Items ?? [])
            {
                if (!byKey.TryGetValue(entry[R.Pk].S, out var item)) continue;
                var run = R.RunFromItem(item);
                if ((query.Source is null || run.Source == query.Source) && (query.Status is null || run.Status == query.Status)
                    && (query.Trigger is null || run.Trigger == query.Trigger || run.Trigger.StartsWith(query.Trigger + ":", StringComparison.Ordinal)))
                    runs.Add((run, entry[R.ListSk].S, entry[R.Pk].S));
                if (runs.Count == limit) break;
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
            more = request.ExclusiveStartKey is { Count: > 0 };
            if (runs.Count == limit)
            {
                // Whether anything is left: one more look is cheaper than promising a page that turns out empty.
                var last = runs[^1];
                var probe = new QueryRequest
                {
                    TableName = Table, IndexName = DynamoDbTables.RecentIndex, KeyConditionExpression = request.KeyConditionExpression,
                    ExpressionAttributeNames = request.ExpressionAttributeNames, ExpressionAttributeValues = request.ExpressionAttributeValues,
                    ScanIndexForward = false, Limit = 1,
                    ExclusiveStartKey = new() { [R.ListPk] = S(R.RunsList), [R.ListSk] = S(last.ListSk), [R.Pk] = S(last.Pk), [R.Sk] = S("run") },
                };
                more = (await _db.QueryAsync(probe, ct).ConfigureAwait(false)).Items is { Count: > 0 };
                return new RunPage(runs.Select(r => r.Run).ToList(), more ? OpaqueToken.Encode($"{last.ListSk}|{last.Pk}") : null);
            }
        }
        return new RunPage(runs.Select(r => r.Run).ToList(), null);
    }

    public async Task<bool> ApplyOnceAsync(string runId, string idempotencyKey, IReadOnlyList<CounterDelta> deltas, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        ArgumentNullException.ThrowIfNull(deltas);
        try
        {
            await _db.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = new Dictionary<string, AttributeValue>(R.MarkerKey(runId, idempotencyKey)) { [R.AppliedAt] = Time(_clock.GetUtcNow()) },
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
        // The window: a crash here leaves the marker without the deltas (see the class remarks).
        await AddCountersAsync(runId, deltas, ct).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> WasAppliedAsync(string runId, string idempotencyKey, CancellationToken ct)
    {
        var response = await _db.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = R.MarkerKey(runId, idempotencyKey),
            ConsistentRead = true,
            ProjectionExpression = "#pk",
            ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
        }, ct).ConfigureAwait(false);
        return response.Item is { Count: > 0 };
    }

    public Task IncrementAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(deltas);
        return AddCountersAsync(runId, deltas, ct);
    }

    /// <summary>One atomic UpdateItem ADD for all deltas; a run that does not exist is left alone.</summary>
    private async Task AddCountersAsync(string runId, IReadOnlyList<CounterDelta> deltas, CancellationToken ct)
    {
        var sums = deltas.GroupBy(d => d.Counter).Select(g => (Counter: g.Key, Delta: g.Sum(d => d.Delta))).Where(s => s.Delta != 0).ToList();
        if (sums.Count == 0) return;
        var names = new Dictionary<string, string> { ["#pk"] = R.Pk };
        var values = new Dictionary<string, AttributeValue>();
        var adds = new List<string>(sums.Count);
        for (var i = 0; i < sums.Count; i++)
        {
            names[$"#c{i}"] = sums[i].Counter.AttributeName();
            values[$":d{i}"] = N(sums[i].Delta);
            adds.Add($"#c{i} :d{i}");
        }
        // A page's counters move its stage's timeline in the same write: the first time is kept, the last follows.
        var timeline = deltas.TimelineStage() switch
        {
            RunEventStage.Fetch => (R.FetchStartedAt, R.FetchFinishedAt),
            RunEventStage.Transform => (R.TransformStartedAt, R.TransformFinishedAt),
            _ => ((string, string)?)null,
        };
        var set = "";
        if (timeline is var (first, last))
        {
            names["#first"] = first;
            names["#last"] = last;
            values[":now"] = Time(_clock.GetUtcNow());
            set = " SET #first = if_not_exists(#first, :now), #last = :now";
        }
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = R.RunKey(runId),
                UpdateExpression = "ADD " + string.Join(", ", adds) + set,
                ConditionExpression = "attribute_exists(#pk)",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            _logger.LogWarning("Counters for unknown run {RunId} were not recorded", runId);
        }
    }

    /// <summary>Moves a non-terminal run to a non-terminal status (setting startedAt on the first move to running); a terminal status ends the run.</summary>
    public async Task SetStatusAsync(string runId, RunStatus status, CancellationToken ct)
    {
        if (status.IsTerminal())
        {
            await EndCoreAsync(runId, status, null, _clock.GetUtcNow(), ct).ConfigureAwait(false);
            return;
        }
        var names = new Dictionary<string, string> { ["#pk"] = R.Pk, ["#status"] = R.Status };
        var values = new Dictionary<string, AttributeValue> { [":status"] = S(status.ToWire()) };
        var update = "SET #status = :status";
        if (status == RunStatus.Running)
        {
            names["#started"] = R.StartedAt;
            values[":now"] = Time(_clock.GetUtcNow());
            update += ", #started = if_not_exists(#started, :now)";
        }
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = R.RunKey(runId),
                UpdateExpression = update,
                ConditionExpression = "attribute_exists(#pk) AND " + NotTerminal(values),
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            _logger.LogDebug("Run {RunId} is missing or already ended; status {Status} not set", runId, status.ToWire());
        }
    }

    public async Task MarkPlanningCompleteAsync(string runId, CancellationToken ct)
    {
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = R.RunKey(runId),
                UpdateExpression = "SET #planning = :true, #planned = if_not_exists(#planned, :now)",
                ConditionExpression = "attribute_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk, ["#planning"] = R.PlanningComplete, ["#planned"] = R.PlanFinishedAt },
                ExpressionAttributeValues = new() { [":true"] = Bool(true), [":now"] = Time(_clock.GetUtcNow()) },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            _logger.LogWarning("Run {RunId} does not exist; planning completion not recorded", runId);
        }
    }

    /// <summary>Appends an error (list_append) while the run has fewer than <see cref="MaxErrors"/>.</summary>
    public async Task AddErrorAsync(string runId, string error, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = R.RunKey(runId),
                UpdateExpression = "SET #errors = list_append(#errors, :error)",
                ConditionExpression = "attribute_exists(#pk) AND size(#errors) < :max",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk, ["#errors"] = R.Errors },
                ExpressionAttributeValues = new() { [":error"] = StringList([Truncate(error)]), [":max"] = N(MaxErrors) },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            _logger.LogDebug("Error not recorded for run {RunId}: run missing or {Max} errors kept already", runId, MaxErrors);
        }
    }

    public async Task<IngestionRun?> TryFinishAsync(string runId, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; attempt <= MaxConditionalAttempts; attempt++)
        {
            var run = await GetRunAsync(runId, ct).ConfigureAwait(false);
            if (run is null || run.Status != RunStatus.Running || !run.Stages.IsSettled(run.PlanningComplete)) return null;

            var s = run.Stages;
            var status = s.PagesFailed > 0 || s.ProductsRejected > 0 || run.Errors.Count > 0
                ? RunStatus.PartiallySucceeded
                : RunStatus.Succeeded;
            // The decision holds only while what it was made from is unchanged.
            Counter[] read =
            [
                Counter.TasksPublished, Counter.PagesFetched, Counter.PagesFailed, Counter.RawObjects, Counter.PagesTransformed,
                Counter.ProductsRejected, Counter.PagesRead,
            ];
            var names = new Dictionary<string, string>
            {
                ["#status"] = R.Status, ["#finished"] = R.FinishedAt, ["#planning"] = R.PlanningComplete, ["#errors"] = R.Errors,
            };
            var values = new Dictionary<string, AttributeValue>
            {
                [":running"] = S(RunStatus.Running.ToWire()), [":status"] = S(status.ToWire()), [":now"] = Time(now),
                [":true"] = Bool(true), [":errors"] = N(run.Errors.Count),
            };
            var conditions = new List<string> { "#status = :running", "#planning = :true", "size(#errors) = :errors" };
            for (var i = 0; i < read.Length; i++)
            {
                names[$"#c{i}"] = read[i].AttributeName();
                values[$":c{i}"] = N(s.Get(read[i]));
                // A run recorded before a counter existed has no attribute for it (read as zero).
                conditions.Add(s.Get(read[i]) == 0 ? $"(attribute_not_exists(#c{i}) OR #c{i} = :c{i})" : $"#c{i} = :c{i}");
            }
            try
            {
                var response = await _db.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = Table,
                    Key = R.RunKey(runId),
                    UpdateExpression = "SET #status = :status, #finished = :now",
                    ConditionExpression = string.Join(" AND ", conditions),
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValues = ReturnValue.ALL_NEW,
                }, ct).ConfigureAwait(false);
                var finished = R.RunFromItem(response.Attributes);
                await ReleaseLockAsync(finished.Source, runId, ct).ConfigureAwait(false);
                _logger.LogInformation("Run {RunId} finished: {Status}", runId, status.ToWire());
                return finished;
            }
            catch (ConditionalCheckFailedException)
            {
                // Counters moved or someone else finished it: look again.
            }
        }
        return null;
    }

    public Task<bool> EndAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct)
    {
        if (!status.IsTerminal())
            throw new ArgumentException("EndAsync takes a terminal status.", nameof(status));
        return EndCoreAsync(runId, status, error, now, ct);
    }

    private async Task<bool> EndCoreAsync(string runId, RunStatus status, string? error, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; attempt <= MaxConditionalAttempts; attempt++)
        {
            var run = await GetRunAsync(runId, ct).ConfigureAwait(false);
            if (run is null || run.Status.IsTerminal()) return false;
            var names = new Dictionary<string, string> { ["#status"] = R.Status, ["#finished"] = R.FinishedAt, ["#errors"] = R.Errors };
            var values = new Dictionary<string, AttributeValue>
            {
                [":current"] = S(run.Status.ToWire()), [":status"] = S(status.ToWire()), [":now"] = Time(now), [":count"] = N(run.Errors.Count),
            };
            var update = "SET #status = :status, #finished = :now";
            if (error is not null && run.Errors.Count < MaxErrors)
            {
                values[":error"] = StringList([Truncate(error)]);
                update += ", #errors = list_append(#errors, :error)";
            }
            try
            {
                await _db.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = Table,
                    Key = R.RunKey(runId),
                    UpdateExpression = update,
                    ConditionExpression = "#status = :current AND size(#errors) = :count",
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                }, ct).ConfigureAwait(false);
                await ReleaseLockAsync(run.Source, runId, ct).ConfigureAwait(false);
                _logger.LogInformation("Run {RunId} ended: {Status}", runId, status.ToWire());
                return true;
            }
            catch (ConditionalCheckFailedException)
            {
                // Status or errors changed meanwhile: look again.
            }
        }
        throw new InvalidOperationException($"Could not end run '{runId}' (too much contention).");
    }

    private async Task<string?> GetLockHolderAsync(string source, CancellationToken ct)
    {
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = R.LockKey(source), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item.GetString(R.RunId) : null;
    }

    private async Task ReleaseLockAsync(string source, string runId, CancellationToken ct)
    {
        try
        {
            await _db.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = Table,
                Key = R.LockKey(source),
                ConditionExpression = "#runId = :runId",
                ExpressionAttributeNames = new() { ["#runId"] = R.RunId },
                ExpressionAttributeValues = new() { [":runId"] = S(runId) },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Held by another run (or already gone): not ours to release.
        }
    }

    private static string NotTerminal(Dictionary<string, AttributeValue> values)
    {
        values[":succeeded"] = S(RunStatus.Succeeded.ToWire());
        values[":partial"] = S(RunStatus.PartiallySucceeded.ToWire());
        values[":failed"] = S(RunStatus.Failed.ToWire());
        values[":cancelled"] = S(RunStatus.Cancelled.ToWire());
        return "NOT (#status IN (:succeeded, :partial, :failed, :cancelled))";
    }

    private static string Truncate(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength] + "…";

    // ---------------------------------------------------------------- checkpoints

    public async Task<string?> GetCheckpointAsync(string consumer, string shardId, CancellationToken ct)
    {
        var response = await _db.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = R.CheckpointKey(consumer, shardId),
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item.GetString(R.SequenceNumber) : null;
    }

    public Task SetCheckpointAsync(string consumer, string shardId, string sequenceNumber, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentException.ThrowIfNullOrEmpty(shardId);
        ArgumentException.ThrowIfNullOrEmpty(sequenceNumber);
        return _db.PutItemAsync(new PutItemRequest
        {
            TableName = Table,
            Item = new Dictionary<string, AttributeValue>(R.CheckpointKey(consumer, shardId))
            {
                [R.SequenceNumber] = S(sequenceNumber),
                ["updatedAt"] = Time(_clock.GetUtcNow()),
            },
        }, ct);
    }

    // ---------------------------------------------------------------- refreshes

    /// <summary>Stores a new refresh; when one with the same id exists, returns that one unchanged.</summary>
    public async Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        try
        {
            // The trigger's pointer first: a crash between the two writes leaves a pointer to no refresh (read as none),
            // never a refresh that its run cannot find.
            var pointer = R.RefreshTriggerKey(refresh.Trigger);
            pointer[R.RefreshId] = S(refresh.RefreshId);
            await _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = pointer }, ct).ConfigureAwait(false);
            await _db.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = R.ToItem(refresh),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
            }, ct).ConfigureAwait(false);
            return refresh;
        }
        catch (ConditionalCheckFailedException)
        {
            return await GetRefreshAsync(refresh.RefreshId, ct).ConfigureAwait(false) ?? refresh;
        }
    }

    public Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        return _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = R.ToItem(refresh) }, ct);
    }

    public async Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(refreshId)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = R.RefreshKey(refreshId), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? R.RefreshFromItem(item) : null;
    }

    public async Task<WarehouseRefresh?> GetLatestRefreshAsync(string trigger, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(trigger)) return null;
        var response = await _db.GetItemAsync(new GetItemRequest { TableName = Table, Key = R.RefreshTriggerKey(trigger), ConsistentRead = true }, ct)
            .ConfigureAwait(false);
        return response.Item?.GetString(R.RefreshId) is { } refreshId ? await GetRefreshAsync(refreshId, ct).ConfigureAwait(false) : null;
    }

    /// <summary>Newest first (by createdAt).</summary>
    public async Task<IReadOnlyList<WarehouseRefresh>> ListRefreshesAsync(int limit, CancellationToken ct) =>
        (await ListRecentAsync(R.RefreshesList, limit, ct).ConfigureAwait(false)).Select(R.RefreshFromItem).ToList();

    /// <summary>Keys from the keys-only "recent" index, newest first, then the items themselves.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> ListRecentAsync(string list, int limit, CancellationToken ct)
    {
        if (limit <= 0) return [];
        var keys = new List<Dictionary<string, AttributeValue>>(Math.Min(limit, 1000));
        var request = new QueryRequest
        {
            TableName = Table,
            IndexName = DynamoDbTables.RecentIndex,
            KeyConditionExpression = "#list = :list",
            ExpressionAttributeNames = new() { ["#list"] = R.ListPk },
            ExpressionAttributeValues = new() { [":list"] = S(list) },
            ScanIndexForward = false,
            Limit = limit,
        };
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            foreach (var entry in response.Items ?? [])
            {
                if (keys.Count == limit) break;
                keys.Add(new Dictionary<string, AttributeValue> { [R.Pk] = entry[R.Pk], [R.Sk] = entry[R.Sk] });
            }
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (keys.Count < limit && request.ExclusiveStartKey is { Count: > 0 });

        var items = await _batches.GetAsync(Table, keys, consistentRead: true, null, null, ct).ConfigureAwait(false);
        var byKey = items.ToDictionary(i => i.GetRequiredString(R.Pk), StringComparer.Ordinal);
        return keys.Select(k => k[R.Pk].S).Where(byKey.ContainsKey).Select(pk => byKey[pk]).ToList();
    }

    // ---------------------------------------------------------------- run events

    /// <summary>
    /// For lines under the bound (<see cref="RunEventKeys.IsBounded"/>) the run's event count first, then the key's marker
    /// (a repeated key stops there), then the event. Without transactions a crash between the writes can lose one line,
    /// never repeat it.
    /// </summary>
    public async Task AppendAsync(RunEvent runEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        // Lines under the bound count first: past it only the one "log full" line is written (its marker keeps it to
        // one), so nothing more accumulates. A repeated key may have counted once more, which only brings the bound nearer.
        if (RunEventKeys.IsBounded(runEvent) && !await CountEventAsync(runEvent.RunId, ct).ConfigureAwait(false))
        {
            runEvent = new RunEvent
            {
                RunId = runEvent.RunId, At = runEvent.At, Level = RunEventLevel.Warning, Stage = runEvent.Stage, Key = RunEventKeys.LogFull,
                Message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"The event log keeps {MaxInfoAndWarningEvents:N0} info and warning lines a run; later ones are not kept (errors and the run's own lines still are)."),
            };
        }
        if (!await PutEventMarkerAsync(runEvent.RunId, runEvent.Key, ct).ConfigureAwait(false)) return;
        var stored = runEvent with
        {
            Message = Cut(runEvent.Message, MaxErrorLength),
            Cause = runEvent.Cause is null ? null : Cut(runEvent.Cause, 200),
        };
        await _db.PutItemAsync(new PutItemRequest { TableName = Table, Item = R.ToItem(stored) }, ct).ConfigureAwait(false);
    }

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max] + "…";

    private async Task<bool> PutEventMarkerAsync(string runId, string key, CancellationToken ct)
    {
        try
        {
            await _db.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = R.EventMarkerKey(runId, key),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Adds one to the run's event count while it is under the bound; false at the bound (or for an unknown run).</summary>
    private async Task<bool> CountEventAsync(string runId, CancellationToken ct)
    {
        try
        {
            await _db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = R.RunKey(runId),
                UpdateExpression = "ADD #count :one",
                ConditionExpression = "attribute_exists(#pk) AND (attribute_not_exists(#count) OR #count < :max)",
                ExpressionAttributeNames = new() { ["#pk"] = R.Pk, ["#count"] = R.EventCount },
                ExpressionAttributeValues = new() { [":one"] = N(1), [":max"] = N(MaxInfoAndWarningEvents) },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<RunEventPage> ListEventsAsync(string runId, RunEventQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var names = new Dictionary<string, string> { ["#pk"] = R.Pk, ["#sk"] = R.Sk };
        var values = new Dictionary<string, AttributeValue> { [":pk"] = S("run#" + runId), [":prefix"] = S(R.EventSkPrefix) };
        var filters = new List<string>();
        if (query.Level is { } level)
        {
            names["#level"] = R.Level;
            values[":level"] = S(level.ToWire());
            filters.Add("#level = :level");
        }
        if (query.Stage is { } stage)
        {
            names["#stage"] = R.Stage;
            values[":stage"] = S(stage.ToWire());
            filters.Add("#stage = :stage");
        }
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
            FilterExpression = filters.Count == 0 ? null : string.Join(" AND ", filters),
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ConsistentRead = true,
            Limit = Math.Max(limit + 1, 50),
        };
        if (query.PageToken is not null)
        {
            var sk = OpaqueToken.Decode(query.PageToken);
            if (!sk.StartsWith(R.EventSkPrefix, StringComparison.Ordinal)) throw new FormatException("The page token is not one this store wrote.");
            request.ExclusiveStartKey = new() { [R.Pk] = S("run#" + runId), [R.Sk] = S(sk) };
        }
        var items = new List<Dictionary<string, AttributeValue>>(limit + 1);
        do
        {
            var response = await _db.QueryAsync(request, ct).ConfigureAwait(false);
            items.AddRange(response.Items ?? []);
            request.ExclusiveStartKey = response.LastEvaluatedKey;
        } while (items.Count <= limit && request.ExclusiveStartKey is { Count: > 0 });
        var more = items.Count > limit || request.ExclusiveStartKey is { Count: > 0 };
        var page = items.Take(limit).ToList();
        var resume = page.Count == 0 ? null : OpaqueToken.Encode(page[^1][R.Sk].S);
        return new RunEventPage(page.Select(R.EventFromItem).ToList(), more ? resume : null, resume);
    }
}
