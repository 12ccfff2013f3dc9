namespace Pipeline.Core.Domain;

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
