using Hangfire;
using Microsoft.Extensions.Options;

namespace Pipeline.Web.Scheduling;

/// <summary>
/// Runs this process's Hangfire server (workers, the recurring-job scheduler) on the host's own storage and activator.
/// Stopping always lets Hangfire wind its threads down (bounded by <see cref="StopGrace"/>) before the storage is
/// disposed, even when the host hands over an already cancelled token (as test hosts do), so no Hangfire thread is left
/// writing to a storage that is gone.
/// </summary>
public sealed class HangfireServerHost(
    JobStorage storage, JobActivator activator, IOptions<SchedulerOptions> options, ILogger<HangfireServerHost> logger)
    : IHostedService, IDisposable
{
    /// <summary>Hangfire's own limit for a running job to react to cancellation before the server gives up on it.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan StopGrace = ShutdownTimeout + TimeSpan.FromSeconds(5);

    private BackgroundJobServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        _server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            WorkerCount = o.WorkerCount,
            SchedulePollingInterval = o.PollInterval,
            ShutdownTimeout = ShutdownTimeout,
            ServerName = $"pipeline-{Environment.MachineName}-{Environment.ProcessId}",
            Activator = activator,
        }, storage);
        logger.LogInformation("Hangfire server started with {Workers} workers on {Storage} storage", o.WorkerCount, o.Storage);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null) return;
        _server.SendStop();
        using var grace = new CancellationTokenSource(StopGrace);
        try
        {
            await _server.WaitForShutdownAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Hangfire server did not stop within {Grace}; a running job is abandoned and will be retried", StopGrace);
        }
    }

    public void Dispose() => _server?.Dispose();
}
