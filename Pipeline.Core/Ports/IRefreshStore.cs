using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>Warehouse refresh records: each refresh's status, attempts and counts.</summary>
public interface IRefreshStore
{
    Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct);

    Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct);

    Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct);

    Task<IReadOnlyList<WarehouseRefresh>> ListRefreshesAsync(int limit, CancellationToken ct);

    /// <summary>The newest refresh started with <paramref name="trigger"/> (e.g. <c>run:&lt;runId&gt;</c>), or null.</summary>
    Task<WarehouseRefresh?> GetLatestRefreshAsync(string trigger, CancellationToken ct);
}
