
namespace Pipeline.Adapters.Google;

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
