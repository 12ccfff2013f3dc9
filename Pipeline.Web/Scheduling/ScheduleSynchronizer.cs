namespace Pipeline.Web.Scheduling;

/// <summary>Registers the configured schedules with Hangfire when the host starts (paused ones stay removed).</summary>
public sealed class ScheduleSynchronizer(PipelineSchedules schedules) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        schedules.Synchronize();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
