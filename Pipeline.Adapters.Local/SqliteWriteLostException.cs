namespace Pipeline.Adapters.Local;

/// <summary>A write that committed nothing because another write of its group made SQLite roll the transaction back.</summary>
public sealed class SqliteWriteLostException(string message, Exception inner) : Exception(message, inner);
