using System.Net;

namespace Pipeline.Adapters.Google;

/// <summary>BigQuery refused a request or a job failed. <see cref="Errors"/> carries BigQuery's own reasons.</summary>
public class BigQueryException : Exception
{
    public BigQueryException(string message, IReadOnlyList<ErrorProto>? errors = null, Exception? inner = null)
        : base(message, inner)
    {
        Errors = errors ?? [];
    }

    /// <summary>BigQuery's error list (reason, location, message), possibly empty.</summary>
    public IReadOnlyList<ErrorProto> Errors { get; }

    /// <summary>The first error's reason (e.g. <c>notFound</c>, <c>duplicate</c>, <c>invalidQuery</c>), when known.</summary>
    public virtual string? Reason => Errors.Count > 0 ? Errors[0].Reason : null;
}

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

/// <summary>A job reached DONE with <c>status.errorResult</c> set, or did not finish in time.</summary>
public sealed class BigQueryJobException : BigQueryException
{
    public BigQueryJobException(JobReference job, ErrorProto? errorResult, IReadOnlyList<ErrorProto>? errors, string? message = null)
        : base(message ?? $"BigQuery job {job.JobId} failed: {errorResult}", errors)
    {
        Job = job;
        ErrorResult = errorResult;
    }

    public JobReference Job { get; }

    /// <summary>The job's <c>status.errorResult</c>; null when the job timed out on our side.</summary>
    public ErrorProto? ErrorResult { get; }

    /// <inheritdoc />
    public override string? Reason => ErrorResult?.Reason ?? base.Reason;
}
