namespace Pipeline.Core.Ports;

/// <summary>
/// Optional: a backend that can answer and still not be well (an embedded SQLite file whose WAL checkpoints fail grows
/// its WAL without bound). The adapter registers one per affected port; that port's health check reports it as degraded.
/// </summary>
public interface IBackendCondition
{
    /// <summary>The health check it belongs to: <c>stream</c>, <c>rawZone</c>, <c>store</c> or <c>warehouse</c>.</summary>
    string Check { get; }

    /// <summary>Why the backend is degraded, or null while it is well. Generic words only: <c>/health</c> is open.</summary>
    string? Degradation();
}
