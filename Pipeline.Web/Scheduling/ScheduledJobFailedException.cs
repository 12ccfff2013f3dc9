namespace Pipeline.Web.Scheduling;

/// <summary>Thrown at the end of a failed execution, so that Hangfire records it as failed with the summary.</summary>
public sealed class ScheduledJobFailedException(string message) : Exception(message);
