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
