namespace Pipeline.Core.Domain;

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
    /// <summary>Raw pages a replay read (instead of fetching them).</summary>
    PagesRead,
    BytesRead,
}
