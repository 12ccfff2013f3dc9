using Pipeline.Core.Domain;

namespace Pipeline.Core.Stages;

public sealed class NoRunCompletionListener : IRunCompletionListener
{
    public Task OnRunFinishedAsync(IngestionRun run, CancellationToken ct) => Task.CompletedTask;
}
