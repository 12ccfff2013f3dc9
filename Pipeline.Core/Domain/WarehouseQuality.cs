namespace Pipeline.Core.Domain;

/// <summary>
/// What the warehouse's data checks count for one source: rows, ids held by more than one row, rows whose price is null or
/// negative, and rows without a title or a category (null or blank).
/// </summary>
public sealed record WarehouseQuality(string Source, long Rows, long DuplicateIds, long InvalidPrices, long MissingFields);
