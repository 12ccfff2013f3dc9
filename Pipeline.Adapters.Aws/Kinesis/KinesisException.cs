using System.Net;

namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>
/// An error answered by Kinesis (<c>{"__type":"ns#Type","message":"…"}</c>). <see cref="ErrorType"/> is the type
/// without its namespace prefix, e.g. <c>ProvisionedThroughputExceededException</c>.
/// </summary>
public sealed class KinesisException : Exception
{
    private static readonly HashSet<string> RetryableTypes = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException", "ProvisionedThroughputExceeded",
        "LimitExceededException", "LimitExceeded",
        "KMSThrottlingException", "KMSThrottling",
        "InternalFailureException", "InternalFailure",
        "ServiceUnavailableException", "ServiceUnavailable",
        "ThrottlingException",
    };

    public KinesisException(string operation, string errorType, string? errorMessage, HttpStatusCode statusCode, string? requestId)
        : base($"Kinesis {operation} failed with {errorType} (HTTP {(int)statusCode}): {errorMessage ?? "no message"}")
    {
        Operation = operation;
        ErrorType = errorType;
        ErrorMessage = errorMessage;
        StatusCode = statusCode;
        RequestId = requestId;
    }

    /// <summary>The API operation, e.g. <c>PutRecords</c>.</summary>
    public string Operation { get; }

    public string ErrorType { get; }

    public string? ErrorMessage { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary><c>x-amzn-RequestId</c> of the failed call, when the service sent one.</summary>
    public string? RequestId { get; }

    /// <summary>True for throttling, limit, KMS-throttling and internal/service failures, and for every HTTP 5xx.</summary>
    public bool IsRetryable => IsRetryableError(ErrorType, StatusCode);

    public bool IsExpiredIterator => ErrorType == "ExpiredIteratorException";

    public bool IsResourceNotFound => ErrorType == "ResourceNotFoundException";

    public static bool IsRetryableError(string errorType, HttpStatusCode statusCode) =>
        (int)statusCode >= 500 || RetryableTypes.Contains(errorType);
}
