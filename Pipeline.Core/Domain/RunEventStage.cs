namespace Pipeline.Core.Domain;

/// <summary>The stage a run event concerns. Wire names: plan, fetch, transform, store, refresh.</summary>
public enum RunEventStage
{
    Plan,
    Fetch,
    Transform,
    Store,
    Refresh,
}
