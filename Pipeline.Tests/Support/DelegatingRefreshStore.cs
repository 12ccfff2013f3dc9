using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Support;

/// <summary>A refresh store that forwards every call to another: tests override the calls they watch or break.</summary>
public abstract class DelegatingRefreshStore(IRefreshStore inner) : IRefreshStore
{
    public virtual Task<WarehouseRefresh> CreateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct) => inner.CreateRefreshAsync(refresh, ct);
    public virtual Task UpdateRefreshAsync(WarehouseRefresh refresh, CancellationToken ct) => inner.UpdateRefreshAsync(refresh, ct);
    public Task<WarehouseRefresh?> GetRefreshAsync(string refreshId, CancellationToken ct) => inner.GetRefreshAsync(refreshId, ct);
    public Task<IReadOnlyList<WarehouseRefresh>> ListRefreshesAsync(int limit, CancellationToken ct) => inner.ListRefreshesAsync(limit, ct);
    public Task<WarehouseRefresh?> GetLatestRefreshAsync(string trigger, CancellationToken ct) => inner.GetLatestRefreshAsync(trigger, ct);
}
