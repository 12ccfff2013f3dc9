namespace Pipeline.Adapters.Google;

/// <summary>A finished query: its schema, all rows (every page), and the DML row count for DML statements.</summary>
public sealed record BigQueryQueryResult(
    TableSchema Schema, IReadOnlyList<BigQueryRow> Rows, long? NumDmlAffectedRows, JobReference? Job);
