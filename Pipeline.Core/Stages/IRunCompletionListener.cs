using Pipeline.Core.Domain;

namespace Pipeline.Core.Stages;

/// <summary>Told when a run reaches its end (e.g. to start the warehouse refresh).</summary>
public interface IRunCompletionListener
{
    Task OnRunFinishedAsync(IngestionRun run, CancellationToken ct);
}
