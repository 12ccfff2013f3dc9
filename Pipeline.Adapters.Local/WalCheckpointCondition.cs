using Pipeline.Core.Ports;

namespace Pipeline.Adapters.Local;

/// <summary>
/// An embedded SQLite file answers while its WAL checkpoints fail, but its WAL then grows without bound: the health check
/// of <see cref="Check"/> reports it degraded. The description stays generic (<c>/health</c> is open); the error is in
/// <see cref="SqliteCheckpointStats.LastError"/>.
/// </summary>
public sealed class WalCheckpointCondition(string check, Func<SqliteCheckpointStats> checkpoints) : IBackendCondition
{
    public string Check { get; } = check;

    public string? Degradation() => checkpoints() is { Failing: true } stats
        ? $"WAL checkpoints are failing ({stats.Failures} so far); the WAL grows until one succeeds"
        : null;
}
