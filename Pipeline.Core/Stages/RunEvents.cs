using Microsoft.Extensions.Logging;
using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Core.Stages;

/// <summary>
/// Writes run events for the stages. The log explains a run; it is not what the run's outcome rests on (counters,
/// markers and rejections are), so a failed write is logged and the stage goes on.
/// </summary>
public sealed class RunEvents(IRunEventLog log, TimeProvider clock, ILogger<RunEvents> logger)
{
    public Task InfoAsync(string runId, RunEventStage stage, string key, string message, CancellationToken ct) =>
        RecordAsync(new RunEvent { RunId = runId, At = clock.GetUtcNow(), Level = RunEventLevel.Info, Stage = stage, Key = key, Message = message }, ct);

    /// <summary>Appends the event, stamped now unless it carries its time.</summary>
    public async Task RecordAsync(RunEvent runEvent, CancellationToken ct)
    {
        if (runEvent.At == default) runEvent = runEvent with { At = clock.GetUtcNow() };
        try
        {
            await log.AppendAsync(runEvent, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Run {RunId}: the event log did not take \"{Message}\"", runEvent.RunId, runEvent.Message);
        }
    }

    /// <summary>A short cause for an exception, for an event's <see cref="RunEvent.Cause"/>.</summary>
    public static string CauseOf(Exception ex) => ex switch
    {
        TimeoutException or TaskCanceledException => "timeout",
        _ when ex.GetType().Name == "TimeoutRejectedException" => "timeout",
        _ when ex.GetType().Name == "BrokenCircuitException" => "circuit open",
        HttpRequestException { StatusCode: { } code } => $"{(int)code} {code}",
        _ => ex.GetType().Name,
    };
}
