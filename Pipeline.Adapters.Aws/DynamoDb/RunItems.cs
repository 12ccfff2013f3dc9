using Amazon.DynamoDBv2.Model;
using Pipeline.Core.Domain;
using static Pipeline.Adapters.Aws.DynamoDb.AttributeValues;

namespace Pipeline.Adapters.Aws.DynamoDb;

/// <summary>
/// Attribute names and item shapes of the runs table, which holds several kinds of item (single-table design):
/// runs, idempotency markers, per-source active-run locks, stream checkpoints and warehouse refreshes.
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

    public static Dictionary<string, AttributeValue> RunKey(string runId) => new() { [Pk] = S("run#" + runId), [Sk] = S("run") };

    public static Dictionary<string, AttributeValue> MarkerKey(string runId, string idempotencyKey) =>
        new() { [Pk] = S("run#" + runId), [Sk] = S("applied#" + idempotencyKey) };

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
