namespace Pipeline.Core.Domain;

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
        Counter.PagesRead => c with { PagesRead = c.PagesRead + delta },
        Counter.BytesRead => c with { BytesRead = c.BytesRead + delta },
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
        Counter.PagesRead => c.PagesRead,
        Counter.BytesRead => c.BytesRead,
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
        Counter.PagesRead => "pages_read",
        Counter.BytesRead => "bytes_read",
        _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, null),
    };

    /// <summary>The stage whose timeline a page's counter moves: fetch for fetched or failed pages, transform for transformed ones.</summary>
    public static RunEventStage? TimelineStage(this IReadOnlyList<CounterDelta> deltas)
    {
        foreach (var d in deltas)
        {
            if (d.Counter is Counter.PagesFetched or Counter.PagesFailed) return RunEventStage.Fetch;
            if (d.Counter is Counter.PagesTransformed) return RunEventStage.Transform;
        }
        return null;
    }
}
