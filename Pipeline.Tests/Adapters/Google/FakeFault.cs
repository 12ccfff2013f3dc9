namespace Pipeline.Tests.Adapters.Google;

/// <summary>
/// What <see cref="FakeBigQueryServer.Faults"/> makes of one request: refused before anything happens, handled with its
/// answer lost, or accepted as a job that then fails. The three ways a step of a BigQuery load can go wrong as the client
/// sees it.
/// </summary>
public sealed record FakeFault
{
    public enum Kinds
    {
        /// <summary>Answered with an HTTP error and not handled: nothing changes (a front end refusing, a 503 before the API).</summary>
        Reject,

        /// <summary>Handled (whatever it changes stays changed), then answered with an HTTP error: the client never learns it worked.</summary>
        LoseAnswer,

        /// <summary>
        /// jobs.insert (a load) or jobs.query only: the job is created and ends with <c>errorResult</c>, changing nothing, as a
        /// failed BigQuery job does (a load DONE with the error; a query answered with it).
        /// </summary>
        FailJob,
    }

    private FakeFault(Kinds kind, int status, string statusText, string reason, string message)
    {
        Kind = kind;
        Status = status;
        StatusText = statusText;
        Reason = reason;
        Message = message;
    }

    public Kinds Kind { get; }

    /// <summary>
    /// HTTP status of the error answer. A failed job is answered as BigQuery answers it instead: a load 200 with the job
    /// DONE and its errorResult, a query with the error status of its reason (500 for backendError).
    /// </summary>
    public int Status { get; }

    /// <summary>Google's canonical status name of the error, e.g. UNAVAILABLE.</summary>
    public string StatusText { get; }

    /// <summary>BigQuery's error reason, e.g. backendError.</summary>
    public string Reason { get; }

    public string Message { get; }

    public static FakeFault Reject(string message = "The service is currently unavailable.") =>
        new(Kinds.Reject, 503, "UNAVAILABLE", "backendError", message);

    public static FakeFault LoseAnswer(string message = "The service is currently unavailable.") =>
        new(Kinds.LoseAnswer, 503, "UNAVAILABLE", "backendError", message);

    public static FakeFault FailJob(string message = "Error encountered during execution. Retrying may solve the problem.") =>
        new(Kinds.FailJob, 500, "INTERNAL", "backendError", message);
}
