using System.Net;

namespace Pipeline.Adapters.Google;

/// <summary>An HTTP request answered with an error status and Google's error envelope.</summary>
public sealed class BigQueryApiException : BigQueryException
{
    public BigQueryApiException(HttpStatusCode statusCode, string operation, string? message, string? status, IReadOnlyList<ErrorProto>? errors)
        : base($"BigQuery {operation} failed with HTTP {(int)statusCode}{(status is null ? "" : " " + status)}: {message ?? "(no message)"}", errors)
    {
        StatusCode = statusCode;
        Operation = operation;
        Status = status;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The discovery method id that failed, e.g. <c>bigquery.jobs.query</c>.</summary>
    public string Operation { get; }

    /// <summary>Google's canonical status, e.g. <c>NOT_FOUND</c>, <c>ALREADY_EXISTS</c>, <c>INVALID_ARGUMENT</c>.</summary>
    public string? Status { get; }
}
