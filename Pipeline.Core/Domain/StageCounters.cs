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
    /// <summary>Raw pages (and their bytes) a replay read from the raw zone; a replay fetches nothing.</summary>
    public long PagesRead { get; init; }
    public long BytesRead { get; init; }

    public static readonly StageCounters Zero = new();

    /// <summary>
    /// All tasks answered (fetched, read by a replay, or failed) and every page transformed: a live run's raw objects, a
    /// replay's pages read (a replay counts a page read and transformed in one step).
    /// </summary>
    public bool IsSettled(bool planningComplete) =>
        planningComplete
        && PagesFetched + PagesRead + PagesFailed >= TasksPublished
        && PagesTransformed >= RawObjects + PagesRead;
}
