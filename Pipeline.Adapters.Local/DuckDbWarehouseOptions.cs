using System.ComponentModel.DataAnnotations;

namespace Pipeline.Adapters.Local;

/// <summary>Settings of the embedded DuckDB warehouse (<see cref="DuckDbWarehouse"/>).</summary>
public sealed class DuckDbWarehouseOptions
{
    public const string Section = "Pipeline:Warehouse:DuckDb";

    /// <summary>
    /// DuckDB's <c>memory_limit</c> for the warehouse's database instance (e.g. <c>256MB</c>, <c>1GB</c>): the buffer
    /// pool that caches table blocks and holds the load's intermediate results; beyond it DuckDB spills to a temporary
    /// folder beside the database file. Null or empty leaves DuckDB's default (80% of the machine's memory).
    /// </summary>
    [RegularExpression(@"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", ErrorMessage = "MemoryLimit must be a size such as 256MB or 1GB.")]
    public string? MemoryLimit { get; set; } = "64MB";

    /// <summary>
    /// The most DuckDB may write to its temporary folder (<c>warehouse.duckdb.tmp</c> beside the database file) when a
    /// load or query spills beyond <see cref="MemoryLimit"/> (e.g. <c>10GB</c>). Null or empty leaves DuckDB's default
    /// (90% of the free disk). A load that needs more fails with DuckDB's message and is retried later; nothing is lost.
    /// </summary>
    [RegularExpression(@"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", ErrorMessage = "MaxTempDirectorySize must be a size such as 512MB or 10GB.")]
    public string? MaxTempDirectorySize { get; set; }

    /// <summary>
    /// DuckDB's worker threads for the metric queries; 0 means one per core.
    /// </summary>
    [Range(0, 64)]
    public int Threads { get; set; }

    /// <summary>
    /// DuckDB's worker threads while a load runs (queries meanwhile get as many). A chunk of a load needs memory per
    /// thread: two threads made 100,000-row chunks fail under 64MB now and then, one never did; more threads want a
    /// larger <see cref="MemoryLimit"/> (about 64MB per thread for the default chunks). One also leaves the other core
    /// to the store's scan that feeds the load.
    /// </summary>
    [Range(1, 64)]
    public int LoadThreads { get; set; } = 1;

    /// <summary>The query threads in effect.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>
    /// Rows staged before each merge of a load (products, then observations), and the target number of observation
    /// rows per transaction when price changes are recomputed from whole histories. Bounds the memory a load needs, whatever its size.
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int ChunkRows { get; set; } = 100_000;
}
