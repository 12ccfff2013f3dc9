using Pipeline.Adapters.Local;
using Pipeline.Core.Ports;
using Pipeline.Tests.Contracts;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>The price-change summary contract on the embedded DuckDB warehouse (its price_changes table).</summary>
public sealed class DuckDbPriceChangeSummaryContractTests : PriceChangeSummaryContractTests
{
    private readonly TempFolder _dir = new();
    private DuckDbWarehouse? _warehouse;

    protected override async Task<IWarehouse> CreateWarehouseAsync()
    {
        // Small chunks, so that a run's observations span several load transactions as a large catalog's would.
        _warehouse = new DuckDbWarehouse(Path.Combine(_dir.Path, "w.duckdb"), Clock, new DuckDbWarehouseOptions { ChunkRows = 250 });
        await _warehouse.EnsureSchemaAsync(CancellationToken.None);
        return _warehouse;
    }

    public override async Task DisposeAsync()
    {
        if (_warehouse is not null) await _warehouse.DisposeAsync();
        _dir.Dispose();
    }
}
