namespace Pipeline.Core.Domain;

public sealed record WarehouseLoadResult(long ProductsLoaded, long ObservationsLoaded);
