using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Web.Hosting;

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
