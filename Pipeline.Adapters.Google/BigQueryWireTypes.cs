using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Adapters.Google;

// Typed subsets of the BigQuery v2 REST resources (discovery revision 20260314). Only the fields this client sends or
// reads are declared; unknown response fields are ignored. int64/uint64 fields travel as JSON strings.

/// <summary>Discovery schema <c>DatasetReference</c>.</summary>
public sealed record DatasetReference(string ProjectId, string DatasetId);

/// <summary>Discovery schema <c>TableReference</c>.</summary>
public sealed record TableReference(string ProjectId, string DatasetId, string TableId);

/// <summary>Discovery schema <c>JobReference</c>.</summary>
public sealed record JobReference(string ProjectId, string JobId, string? Location = null);

/// <summary>Discovery schema <c>Dataset</c> (the fields used here).</summary>
public sealed record DatasetResource
{
    public required DatasetReference DatasetReference { get; init; }
    public string? Location { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>Discovery schema <c>TableFieldSchema</c>.</summary>
public sealed record TableFieldSchema
{
    public required string Name { get; init; }
    /// <summary>STRING, INT64, NUMERIC, FLOAT64, BOOL, TIMESTAMP, DATE, RECORD … (legacy names INTEGER/FLOAT/BOOLEAN too).</summary>
    public required string Type { get; init; }
    /// <summary>NULLABLE (default), REQUIRED or REPEATED.</summary>
    public string? Mode { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<TableFieldSchema>? Fields { get; init; }
}

/// <summary>Discovery schema <c>TableSchema</c>.</summary>
public sealed record TableSchema(IReadOnlyList<TableFieldSchema> Fields);

/// <summary>Discovery schema <c>TimePartitioning</c>.</summary>
public sealed record TimePartitioning
{
    /// <summary>DAY, HOUR, MONTH or YEAR.</summary>
    public required string Type { get; init; }
    /// <summary>Top-level DATE or TIMESTAMP column; absent means ingestion time.</summary>
    public string? Field { get; init; }

    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long? ExpirationMs { get; init; }
}

/// <summary>Discovery schema <c>Clustering</c>.</summary>
public sealed record Clustering(IReadOnlyList<string> Fields);

/// <summary>Discovery schema <c>Table</c> (the fields used here).</summary>
public sealed record TableResource
{
    public required TableReference TableReference { get; init; }
    public TableSchema? Schema { get; init; }
    public TimePartitioning? TimePartitioning { get; init; }
    public Clustering? Clustering { get; init; }
    public string? Description { get; init; }
}

/// <summary>One entry of discovery schema <c>TableList</c>'s <c>tables</c> (the fields used here).</summary>
public sealed record TableListItem
{
    public required TableReference TableReference { get; init; }
    /// <summary>TABLE, VIEW, EXTERNAL, MATERIALIZED_VIEW or SNAPSHOT.</summary>
    public string? Type { get; init; }

    /// <summary>Milliseconds since the epoch (read-only; int64 as a JSON string).</summary>
    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long? CreationTime { get; init; }
}

/// <summary>Discovery schema <c>TableList</c>: one page of <c>tables.list</c>.</summary>
public sealed record TableList
{
    public IReadOnlyList<TableListItem>? Tables { get; init; }
    public string? NextPageToken { get; init; }
    public int? TotalItems { get; init; }
}

/// <summary>Discovery schema <c>ErrorProto</c>: one error of a job or a request.</summary>
public sealed record ErrorProto
{
    public string? Reason { get; init; }
    public string? Location { get; init; }
    public string? Message { get; init; }
    public string? DebugInfo { get; init; }

    public override string ToString() =>
        string.IsNullOrEmpty(Location) ? $"{Reason}: {Message}" : $"{Reason} at {Location}: {Message}";
}

/// <summary>Discovery schema <c>JobConfigurationLoad</c> (the fields used here).</summary>
public sealed record JobConfigurationLoad
{
    public required TableReference DestinationTable { get; init; }
    /// <summary>Always NEWLINE_DELIMITED_JSON here (the API's default is CSV).</summary>
    public string SourceFormat { get; init; } = "NEWLINE_DELIMITED_JSON";
    public TableSchema? Schema { get; init; }
    /// <summary>WRITE_TRUNCATE, WRITE_APPEND or WRITE_EMPTY.</summary>
    public string? WriteDisposition { get; init; }
    /// <summary>CREATE_IF_NEEDED or CREATE_NEVER.</summary>
    public string? CreateDisposition { get; init; }
    public bool? IgnoreUnknownValues { get; init; }
    public int? MaxBadRecords { get; init; }
}

/// <summary>Discovery schema <c>JobConfiguration</c> (load jobs only here).</summary>
public sealed record JobConfiguration
{
    public JobConfigurationLoad? Load { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>Discovery schema <c>JobStatus</c>; <see cref="ErrorResult"/> set means the job failed.</summary>
public sealed record JobStatus
{
    /// <summary>PENDING, RUNNING or DONE.</summary>
    public string? State { get; init; }
    public ErrorProto? ErrorResult { get; init; }
    public IReadOnlyList<ErrorProto>? Errors { get; init; }
}

/// <summary>Discovery schema <c>Job</c>: what is sent to <c>jobs.insert</c> and answered by <c>jobs.get</c>.</summary>
public sealed record JobResource
{
    public JobReference? JobReference { get; init; }
    public JobConfiguration? Configuration { get; init; }
    /// <summary>Read-only; never sent.</summary>
    public JobStatus? Status { get; init; }
}

/// <summary>Discovery schema <c>QueryParameterType</c>.</summary>
public sealed record QueryParameterType
{
    public required string Type { get; init; }
    public QueryParameterType? ArrayType { get; init; }
}

/// <summary>Discovery schema <c>QueryParameterValue</c>; scalar values are always strings, NULL is an absent value.</summary>
public sealed record QueryParameterValue
{
    public string? Value { get; init; }
    public IReadOnlyList<QueryParameterValue>? ArrayValues { get; init; }
}

/// <summary>Discovery schema <c>QueryParameter</c>: a named parameter (<c>@name</c> in the SQL).</summary>
public sealed record QueryParameter
{
    public required string Name { get; init; }
    public required QueryParameterType ParameterType { get; init; }
    public required QueryParameterValue ParameterValue { get; init; }
}

/// <summary>Discovery schema <c>QueryRequest</c> (body of <c>jobs.query</c>).</summary>
public sealed record QueryRequest
{
    public required string Query { get; init; }
    /// <summary>The API defaults to legacy SQL; always false here (GoogleSQL).</summary>
    public bool UseLegacySql { get; init; }
    /// <summary>NAMED (<c>@p</c>) when parameters are given.</summary>
    public string? ParameterMode { get; init; }
    public IReadOnlyList<QueryParameter>? QueryParameters { get; init; }
    public DatasetReference? DefaultDataset { get; init; }
    public string? Location { get; init; }
    /// <summary>Makes a retried request idempotent.</summary>
    public string? RequestId { get; init; }
    /// <summary>uint32 in the discovery document: a JSON number.</summary>
    public long? TimeoutMs { get; init; }
    /// <summary>uint32 in the discovery document: a JSON number.</summary>
    public long? MaxResults { get; init; }
}

/// <summary>Discovery schema <c>TableCell</c>: <c>v</c> is a string, null, an array of cells, or a nested row.</summary>
public sealed record TableCell(JsonElement V);

/// <summary>Discovery schema <c>TableRow</c>: cells positional per the result schema.</summary>
public sealed record TableRow(IReadOnlyList<TableCell> F);

/// <summary>
/// The fields shared by <c>QueryResponse</c> (jobs.query) and <c>GetQueryResultsResponse</c> (jobs.getQueryResults).
/// </summary>
public sealed record QueryResultsPage
{
    public bool? JobComplete { get; init; }
    public JobReference? JobReference { get; init; }
    public TableSchema? Schema { get; init; }
    public IReadOnlyList<TableRow>? Rows { get; init; }

    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long? TotalRows { get; init; }

    public string? PageToken { get; init; }
    public IReadOnlyList<ErrorProto>? Errors { get; init; }

    [JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)]
    public long? NumDmlAffectedRows { get; init; }
}

/// <summary>Google's standard error envelope <c>{"error":{code,message,errors[],status}}</c>.</summary>
public sealed record GoogleErrorResponse(GoogleError? Error);

/// <summary>The body of <see cref="GoogleErrorResponse"/>.</summary>
public sealed record GoogleError
{
    public int Code { get; init; }
    public string? Message { get; init; }
    public string? Status { get; init; }
    public IReadOnlyList<ErrorProto>? Errors { get; init; }
}

/// <summary>Source-generated serialisation of the BigQuery wire types: camelCase, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DatasetResource))]
[JsonSerializable(typeof(TableResource))]
[JsonSerializable(typeof(TableList))]
[JsonSerializable(typeof(JobResource))]
[JsonSerializable(typeof(QueryRequest))]
[JsonSerializable(typeof(QueryResultsPage))]
[JsonSerializable(typeof(GoogleErrorResponse))]
public sealed partial class BigQueryJsonContext : JsonSerializerContext;
