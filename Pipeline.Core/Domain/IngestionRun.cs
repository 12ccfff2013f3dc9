namespace Pipeline.Core.Domain;

/// <summary>Lifecycle of an ingestion run or a warehouse refresh. Serialised in camelCase (<c>partiallySucceeded</c>).</summary>
public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    PartiallySucceeded,
    Failed,
    Cancelled,
}

public static class RunStatusExtensions
{
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.PartiallySucceeded or RunStatus.Failed or RunStatus.Cancelled;

    public static string ToWire(this RunStatus status) => status switch
    {
        RunStatus.Queued => "queued",
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.PartiallySucceeded => "partiallySucceeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static RunStatus ParseWire(string value) => value switch
    {
        "queued" => RunStatus.Queued,
        "running" => RunStatus.Running,
        "succeeded" => RunStatus.Succeeded,
        "partiallySucceeded" => RunStatus.PartiallySucceeded,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => throw new FormatException($"Unknown run status '{value}'."),
    };
}

/// <summary>
/// The counters every stage increments. The public ones form the API contract; the bookkeeping ones
/// (<see cref="PagesFailed"/>, <see cref="PagesTransformed"/>, <see cref="TasksPlanned"/>) tell when a run is complete.
/// </summary>
public sealed record StageCounters
{
    public long TasksPlanned { get; init; }
    public long TasksPublished { get; init; }
    public long PagesFetched { get; init; }
    public long PagesFailed { get; init; }
    public long RawObjects { get; init; }
    public long RawBytes { get; init; }
    public long PagesTransformed { get; init; }
    public long ProductsParsed { get; init; }
    public long ProductsUpserted { get; init; }
    public long ProductsUnchanged { get; init; }
    public long ProductsRejected { get; init; }
    public long PriceChanges { get; init; }

    public static readonly StageCounters Zero = new();

    /// <summary>All fetch tasks answered (fetched or failed) and every raw page transformed.</summary>
    public bool IsSettled(bool planningComplete) =>
        planningComplete
        && PagesFetched + PagesFailed >= TasksPublished
        && PagesTransformed >= RawObjects;
}

/// <summary>A counter a stage adds to. Names match the columns/attributes in every run store.</summary>
public enum Counter
{
    TasksPlanned,
    TasksPublished,
    PagesFetched,
    PagesFailed,
    RawObjects,
    RawBytes,
    PagesTransformed,
    ProductsParsed,
    ProductsUpserted,
    ProductsUnchanged,
    ProductsRejected,
    PriceChanges,
}

public static class CounterExtensions
{
    public static StageCounters Add(this StageCounters c, Counter counter, long delta) => counter switch
    {
        Counter.TasksPlanned => c with { TasksPlanned = c.TasksPlanned + delta },
        Counter.TasksPublished => c with { TasksPublished = c.TasksPublished + delta },
        Counter.PagesFetched => c with { PagesFetched = c.PagesFetched + delta },
        Counter.PagesFailed => c with { PagesFailed = c.PagesFailed + delta },
        Counter.RawObjects => c with { RawObjects = c.RawObjects + delta },
        Counter.RawBytes => c with { RawBytes = c.RawBytes + delta },
        Counter.PagesTransformed => c with { PagesTransformed = c.PagesTransformed + delta },
        Counter.ProductsParsed => c with { ProductsParsed = c.ProductsParsed + delta },
        Counter.ProductsUpserted => c with { ProductsUpserted = c.ProductsUpserted + delta },
        Counter.ProductsUnchanged => c with { ProductsUnchanged = c.ProductsUnchanged + delta },
        Counter.ProductsRejected => c with { ProductsRejected = c.ProductsRejected + delta },
        Counter.PriceChanges => c with { PriceChanges = c.PriceChanges + delta },
        _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, null),
    };

    public static long Get(this StageCounters c, Counter counter) => counter switch
    {
        Counter.TasksPlanned => c.TasksPlanned,
        Counter.TasksPublished => c.TasksPublished,
        Counter.PagesFetched => c.PagesFetched,
        Counter.PagesFailed => c.PagesFailed,
        Counter.RawObjects => c.RawObjects,
        Counter.RawBytes => c.RawBytes,
        Counter.PagesTransformed => c.PagesTransformed,
        Counter.ProductsParsed => c.ProductsParsed,
        Counter.ProductsUpserted => c.ProductsUpserted,
        Counter.ProductsUnchanged => c.ProductsUnchanged,
        Counter.ProductsRejected => c.ProductsRejected,
        Counter.PriceChanges => c.PriceChanges,
        _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, null),
    };

    /// <summary>snake_case column name used by the SQL stores.</summary>
    public static string ColumnName(this Counter counter) => counter switch
    {
        Counter.TasksPlanned => "tasks_planned",
        Counter.TasksPublished => "tasks_published",
        Counter.PagesFetched => "pages_fetched",
        Counter.PagesFailed => "pages_failed",
        Counter.RawObjects => "raw_objects",
        Counter.RawBytes => "raw_bytes",
        Counter.PagesTransformed => "pages_transformed",
        Counter.ProductsParsed => "products_parsed",
        Counter.ProductsUpserted => "products_upserted",
        Counter.ProductsUnchanged => "products_unchanged",
        Counter.ProductsRejected => "products_rejected",
        Counter.PriceChanges => "price_changes",
        _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, null),
    };
}

/// <summary>One ingestion run: what was asked, where it stands, and what each stage counted.</summary>
public sealed record IngestionRun
{
    public required string RunId { get; init; }
    public required string Source { get; init; }
    public RunStatus Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public bool PlanningComplete { get; init; }
    public StageCounters Stages { get; init; } = StageCounters.Zero;
    public IReadOnlyList<string> Errors { get; init; } = [];
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
    public string Trigger { get; init; } = "api";
}

/// <summary>A counted delta for one run, applied atomically with an idempotency marker.</summary>
public readonly record struct CounterDelta(Counter Counter, long Delta);
