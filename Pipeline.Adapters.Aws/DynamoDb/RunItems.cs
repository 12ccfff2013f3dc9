using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Attribute names and item shapes of the runs table, which holds several kinds of item (single-table design):
/// runs, idempotency markers, per-source active-run locks, stream checkpoints, warehouse refreshes and run events.
/// </summary>
internal static class RunItems
{
    public const string Pk = "pk";
    public const string Sk = "sk";
    /// <summary>Partition of the newest-first "recent" index: "runs" or "refreshes" (absent on other items).</summary>
    public const string ListPk = "listPk";
    /// <summary>createdAt + "#" + id.</summary>
    public const string ListSk = "listSk";

    public const string RunsList = "runs";
    public const string RefreshesList = "refreshes";

    public const string RunId = "runId";
    public const string Source = "source";
    public const string Status = "status";
    public const string CreatedAt = "createdAt";
    public const string StartedAt = "startedAt";
    public const string FinishedAt = "finishedAt";
    public const string PlanningComplete = "planningComplete";
    public const string Errors = "errors";
    public const string Options = "options";
    public const string Trigger = "trigger";
    public const string AppliedAt = "appliedAt";
    public const string SequenceNumber = "sequenceNumber";

    public const string RefreshId = "refreshId";
    public const string ProductsLoaded = "productsLoaded";
    public const string ObservationsLoaded = "observationsLoaded";
    public const string Error = "error";
    public const string Attempts = "attempts";
    public const string NextAttemptAt = "nextAttemptAt";

    public const string ParentRunId = "parentRunId";
    public const string OnlyPages = "onlyPages";
    public const string PlanFinishedAt = "planFinishedAt";
    public const string FetchStartedAt = "fetchStartedAt";
    public const string FetchFinishedAt = "fetchFinishedAt";
    public const string TransformStartedAt = "transformStartedAt";
    public const string TransformFinishedAt = "transformFinishedAt";
    /// <summary>Info and warning events kept for the run (the log's bound is checked against it).</summary>
    public const string EventCount = "eventCount";

    public const string EventSkPrefix = "event#";
    public const string At = "at";
    public const string Key = "key";
    public const string Level = "level";
    public const string Stage = "stage";
    public const string Message = "message";
    public const string Page = "page";
    public const string Skip = "skip";
    public const string RawKey = "rawKey";
    public const string RecordIndex = "recordIndex";
    public const string Attempt = "attempt";
    public const string Cause = "cause";

    public static Dictionary<string, AttributeValue> RunKey(string runId) => new() { [Pk] = S("run#" + runId), [Sk] = S("run") };

    public static Dictionary<string, AttributeValue> MarkerKey(string runId, string idempotencyKey) =>
        new() { [Pk] = S("run#" + runId), [Sk] = S("applied#" + idempotencyKey) };

    /// <summary>A run event, in the run's partition, sorted by time (then key).</summary>
    public static Dictionary<string, AttributeValue> EventKey(string runId, DateTimeOffset at, string key) =>
        new() { [Pk] = S("run#" + runId), [Sk] = S($"{EventSkPrefix}{FormatTime(at)}#{key}") };

    /// <summary>The item that makes an event's key count once (written before the event).</summary>
    public static Dictionary<string, AttributeValue> EventMarkerKey(string runId, string key) =>
        new() { [Pk] = S("run#" + runId), [Sk] = S("eventkey#" + key) };

    public static Dictionary<string, AttributeValue> ToItem(RunEvent e)
    {
        var item = EventKey(e.RunId, e.At, e.Key);
        item[RunId] = S(e.RunId);
        item[At] = Time(e.At);
        item[Key] = S(e.Key);
        item[Level] = S(e.Level.ToWire());
        item[Stage] = S(e.Stage.ToWire());
        item[Message] = S(e.Message);
        item.SetIfNotNull(Page, e.Page);
        item.SetIfNotNull(Skip, e.Skip);
        item.SetIfNotNull(RawKey, e.RawKey);
        item.SetIfNotNull(RecordIndex, e.RecordIndex);
        item.SetIfNotNull(Attempt, e.Attempt);
        item.SetIfNotNull(Cause, e.Cause);
        return item;
    }

    public static RunEvent EventFromItem(Dictionary<string, AttributeValue> item) => new()
    {
        RunId = item.GetRequiredString(RunId),
        At = item.GetRequiredTime(At),
        Key = item.GetRequiredString(Key),
        Level = RunEventWire.ParseLevel(item.GetRequiredString(Level)),
        Stage = RunEventWire.ParseStage(item.GetRequiredString(Stage)),
        Message = item.GetRequiredString(Message),
        Page = item.GetInt(Page),
        Skip = item.GetInt(Skip),
        RawKey = item.GetString(RawKey),
        RecordIndex = item.GetInt(RecordIndex),
        Attempt = item.GetInt(Attempt),
        Cause = item.GetString(Cause),
    };

    /// <summary>At most one non-terminal run per source holds this item.</summary>
    public static Dictionary<string, AttributeValue> LockKey(string source) => new() { [Pk] = S("active#" + source), [Sk] = S("lock") };

    public static Dictionary<string, AttributeValue> CheckpointKey(string consumer, string shardId) =>
        new() { [Pk] = S("checkpoint#" + consumer), [Sk] = S(shardId) };

    /// <summary>The item that points at the newest refresh started with a trigger (e.g. <c>run:&lt;runId&gt;</c>).</summary>
    public static Dictionary<string, AttributeValue> RefreshTriggerKey(string trigger) => new() { [Pk] = S("refresh-trigger#" + trigger), [Sk] = S("refresh") };

    public static Dictionary<string, AttributeValue> RefreshKey(string refreshId) => new() { [Pk] = S("refresh#" + refreshId), [Sk] = S("refresh") };

    /// <summary>Attribute name of a counter: camelCase of the enum name (tasksPlanned, pagesFetched, …).</summary>
    public static string AttributeName(this Counter counter)
    {
        var name = counter.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    public static Dictionary<string, AttributeValue> ToItem(IngestionRun run)
    {
        var item = RunKey(run.RunId);
        item[RunId] = S(run.RunId);
        item[Source] = S(run.Source);
        item[Status] = S(run.Status.ToWire());
        item[CreatedAt] = Time(run.CreatedAt);
        item[PlanningComplete] = Bool(run.PlanningComplete);
        item[Errors] = StringList(run.Errors);
        item[Options] = StringMap(run.Options);
        item[Trigger] = S(run.Trigger);
        item[ListPk] = S(RunsList);
        item[ListSk] = S($"{FormatTime(run.CreatedAt)}#{run.RunId}");
        item.SetIfNotNull(StartedAt, run.StartedAt);
        item.SetIfNotNull(FinishedAt, run.FinishedAt);
        item.SetIfNotNull(ParentRunId, run.ParentRunId);
        if (run.OnlyPages is { } pages)
            item[OnlyPages] = S(System.Text.Json.JsonSerializer.Serialize(pages.ToList(), Pipeline.Core.Serialization.CoreJsonContext.Default.ListInt32));
        // Every counter exists from the start, so conditions can compare them and ADD needs no if_not_exists.
        foreach (var counter in Enum.GetValues<Counter>())
            item[counter.AttributeName()] = N(run.Stages.Get(counter));
        return item;
    }

    public static IngestionRun RunFromItem(Dictionary<string, AttributeValue> item)
    {
        var stages = StageCounters.Zero;
        foreach (var counter in Enum.GetValues<Counter>())
            stages = stages.Add(counter, item.GetLong(counter.AttributeName()));
        return new IngestionRun
        {
            RunId = item.GetRequiredString(RunId),
            Source = item.GetRequiredString(Source),
            Status = RunStatusExtensions.ParseWire(item.GetRequiredString(Status)),
            CreatedAt = item.GetRequiredTime(CreatedAt),
            StartedAt = item.GetTime(StartedAt),
            FinishedAt = item.GetTime(FinishedAt),
            PlanningComplete = item.GetBool(PlanningComplete),
            Stages = stages,
            Errors = item.GetStringList(Errors),
            Options = item.GetStringMap(Options),
            Trigger = item.GetString(Trigger) ?? "api",
            ParentRunId = item.GetString(ParentRunId),
            OnlyPages = item.GetString(OnlyPages) is { } pages
                ? System.Text.Json.JsonSerializer.Deserialize(pages, Pipeline.Core.Serialization.CoreJsonContext.Default.ListInt32)
                : null,
            PlanFinishedAt = item.GetTime(PlanFinishedAt),
            FetchStartedAt = item.GetTime(FetchStartedAt),
            FetchFinishedAt = item.GetTime(FetchFinishedAt),
            TransformStartedAt = item.GetTime(TransformStartedAt),
            TransformFinishedAt = item.GetTime(TransformFinishedAt),
        };
    }

    public static Dictionary<string, AttributeValue> ToItem(WarehouseRefresh refresh)
    {
        var item = RefreshKey(refresh.RefreshId);
        item[RefreshId] = S(refresh.RefreshId);
        item[Status] = S(refresh.Status.ToWire());
        item[CreatedAt] = Time(refresh.CreatedAt);
        item[ProductsLoaded] = N(refresh.ProductsLoaded);
        item[ObservationsLoaded] = N(refresh.ObservationsLoaded);
        item[Trigger] = S(refresh.Trigger);
        item[ListPk] = S(RefreshesList);
        item[ListSk] = S($"{FormatTime(refresh.CreatedAt)}#{refresh.RefreshId}");
        item.SetIfNotNull(StartedAt, refresh.StartedAt);
        item.SetIfNotNull(FinishedAt, refresh.FinishedAt);
        item.SetIfNotNull(Error, refresh.Error);
        item[Attempts] = S(System.Text.Json.JsonSerializer.Serialize(refresh.Attempts.ToList(), Pipeline.Core.Serialization.CoreJsonContext.Default.ListRefreshAttempt));
        item.SetIfNotNull(NextAttemptAt, refresh.NextAttemptAt);
        return item;
    }

    public static WarehouseRefresh RefreshFromItem(Dictionary<string, AttributeValue> item) => new()
    {
        RefreshId = item.GetRequiredString(RefreshId),
        Status = RunStatusExtensions.ParseWire(item.GetRequiredString(Status)),
        CreatedAt = item.GetRequiredTime(CreatedAt),
        StartedAt = item.GetTime(StartedAt),
        FinishedAt = item.GetTime(FinishedAt),
        ProductsLoaded = item.GetLong(ProductsLoaded),
        ObservationsLoaded = item.GetLong(ObservationsLoaded),
        Error = item.GetString(Error),
        Trigger = item.GetString(Trigger) ?? "api",
        Attempts = item.GetString(Attempts) is { } attempts
            ? System.Text.Json.JsonSerializer.Deserialize(attempts, Pipeline.Core.Serialization.CoreJsonContext.Default.ListRefreshAttempt) ?? []
            : [],
        NextAttemptAt = item.GetTime(NextAttemptAt),
    };
}
