namespace Pipeline.Core.Domain;

public static class RunStatusExtensions
{
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.PartiallySucceeded or RunStatus.Failed or RunStatus.Cancelled;

    public static string ToWire(this RunStatus status) => status switch
    {
        RunStatus.Queued => "queued",
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.PartiallySucceeded => "partiallySucceeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static RunStatus ParseWire(string value) => value switch
    {
        "queued" => RunStatus.Queued,
        "running" => RunStatus.Running,
        "succeeded" => RunStatus.Succeeded,
        "partiallySucceeded" => RunStatus.PartiallySucceeded,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => throw new FormatException($"Unknown run status '{value}'."),
    };
}
