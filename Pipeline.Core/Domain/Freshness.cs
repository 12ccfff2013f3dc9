namespace Pipeline.Core.Domain;

/// <summary>Whether a source's data is recent enough: serialised <c>fresh</c>, <c>stale</c>, <c>never</c>.</summary>
public enum Freshness
{
    /// <summary>The source's last successful run finished within its limit (or it has no limit and has succeeded once).</summary>
    Fresh,

    /// <summary>The last successful run finished longer ago than the limit.</summary>
    Stale,

    /// <summary>No run of the source has ended succeeded or partiallySucceeded.</summary>
    Never,
}
