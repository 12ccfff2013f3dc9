
namespace Pipeline.Core.Configuration;

public sealed class WarehouseOptions
{
    /// <summary><c>Pipeline:Warehouse:Provider</c>: <c>DuckDb</c> or <c>BigQuery</c>.</summary>
    public string Provider { get; set; } = "DuckDb";

    /// <summary><c>Pipeline:Warehouse:RefreshAfterRun</c>: refresh the warehouse when a run ends.</summary>
    public bool RefreshAfterRun { get; set; } = true;

    /// <summary>
    /// <c>Pipeline:Warehouse:RefreshMaxAttempts</c>: attempts of one refresh before it ends <c>failed</c> (a failed load,
    /// or counts that do not reconcile, is retried after <see cref="RefreshRetryDelay"/>, doubled each time).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 20)]
    public int RefreshMaxAttempts { get; set; } = 4;

    /// <summary><c>Pipeline:Warehouse:RefreshRetryDelay</c>: the wait before the second attempt (then 2x, 4x…, at most 10 minutes).</summary>
    public TimeSpan RefreshRetryDelay { get; set; } = TimeSpan.FromSeconds(15);
}
