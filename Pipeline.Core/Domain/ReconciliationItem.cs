namespace Pipeline.Core.Domain;

/// <summary>The store's and the warehouse's counts for one source, and whether they agree.</summary>
public sealed record ReconciliationItem(
    string Source, long StoreProducts, long WarehouseProducts, long StoreObservations, long WarehouseObservations, bool Matches);
