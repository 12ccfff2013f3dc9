namespace Pipeline.Core.Domain;

/// <summary>The <see cref="IngestionRun.Trigger"/> values the pipeline itself sets (callers may set others: api, dashboard, schedule).</summary>
public static class RunTriggers
{
    /// <summary>A new run with the same source and options as an earlier one.</summary>
    public const string Rerun = "rerun";

    /// <summary>A new run that fetches again only the pages of an earlier run that failed.</summary>
    public const string Retry = "retry";

    /// <summary>A run that applies raw pages already in the raw zone again, through the same transform; it fetches nothing.</summary>
    public const string Replay = "replay";
}
