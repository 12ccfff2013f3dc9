
namespace Pipeline.Adapters.Aws.Kinesis;

/// <summary>Some records of a PutRecords batch still failed after every allowed attempt.</summary>
public sealed class KinesisPublishException(string streamName, int failedCount, int attempts, string? errorCode, string? errorMessage)
    : Exception($"Publishing to Kinesis stream '{streamName}' failed: {failedCount} record(s) still rejected after {attempts} attempt(s); last error {errorCode ?? "unknown"}: {errorMessage ?? "no message"}")
{
    public string StreamName { get; } = streamName;

    public int FailedCount { get; } = failedCount;

    public int Attempts { get; } = attempts;

    public string? ErrorCode { get; } = errorCode;
}
