using DuckDB.NET.Data;
using Pipeline.Core.Domain;

namespace Pipeline.Adapters.Local;

/// <summary>
/// A DuckDB warehouse operation that failed, with what an operator can do about it: the warehouse file locked by
/// another process, the memory limit or the temporary folder too small. The message names the setting; DuckDB's own
/// message follows it.
/// </summary>
public sealed class DuckDbWarehouseException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>Explains <paramref name="error"/> for the warehouse at <paramref name="path"/>, or returns null when there is nothing to add.</summary>
    public static DuckDbWarehouseException? Explain(DuckDBException error, string path, DuckDbWarehouseOptions options)
    {
        var text = error.Message;
        string? what =
            text.Contains("Could not set lock", StringComparison.OrdinalIgnoreCase) || text.Contains("Conflicting lock", StringComparison.OrdinalIgnoreCase)
                ? $"The warehouse file {path} is locked by another process (another Pipeline instance on the same data directory, or a DuckDB client holding it open)."
            : text.Contains("offload", StringComparison.OrdinalIgnoreCase) || text.Contains("max_temp_directory_size", StringComparison.OrdinalIgnoreCase)
              || text.Contains("No space left", StringComparison.OrdinalIgnoreCase)
                ? $"The warehouse's temporary folder {path}.tmp is full: DuckDB could not spill beyond its memory limit " +
                  $"(Pipeline:Warehouse:DuckDb:MaxTempDirectorySize is {options.MaxTempDirectorySize ?? "DuckDB's default, 90% of the free disk"}; free disk space or raise it)."
            : text.Contains("Out of Memory", StringComparison.OrdinalIgnoreCase)
                ? $"The warehouse needed more memory than Pipeline:Warehouse:DuckDb:MemoryLimit ({options.MemoryLimit ?? "DuckDB's default"}) with " +
                  $"{options.LoadThreads} load thread(s) and chunks of {options.ChunkRows:N0} rows allow; raise the limit or lower ChunkRows."
            : text.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) || text.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase)
                ? $"The warehouse file {path} or its folder cannot be written."
            : null;
        return what is null ? null : new DuckDbWarehouseException($"{what} DuckDB: {ErrorMessage.FirstLine(text)}", error);
    }
}
