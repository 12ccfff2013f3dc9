namespace Pipeline.Core.Domain;

/// <summary>A comparison of the store's counts with the warehouse's, per source.</summary>
public sealed record Reconciliation(DateTimeOffset AsOf, IReadOnlyList<ReconciliationItem> Items)
{
    public bool Matches => Items.All(i => i.Matches);

    /// <summary>
    /// Pairs the counts by source. <paramref name="storeAfter"/>, when given, is the store's count taken after the
    /// warehouse's (a store without a change feed cannot be read at one point): the warehouse then matches when it lies
    /// between the two. Without it, the counts must be equal.
    /// </summary>
    public static Reconciliation Compare(
        DateTimeOffset asOf, IReadOnlyList<SourceCounts> store, IReadOnlyList<SourceCounts> warehouse, IReadOnlyList<SourceCounts>? storeAfter = null)
    {
        var before = store.ToDictionary(c => c.Source, StringComparer.Ordinal);
        var inWarehouse = warehouse.ToDictionary(c => c.Source, StringComparer.Ordinal);
        var after = (storeAfter ?? store).ToDictionary(c => c.Source, StringComparer.Ordinal);
        var items = before.Keys.Union(inWarehouse.Keys).Union(after.Keys).Order(StringComparer.Ordinal).Select(source =>
        {
            var s = before.GetValueOrDefault(source) ?? new SourceCounts(source, 0, 0);
            var w = inWarehouse.GetValueOrDefault(source) ?? new SourceCounts(source, 0, 0);
            var a = after.GetValueOrDefault(source) ?? new SourceCounts(source, 0, 0);
            var matches = w.Products >= s.Products && w.Products <= Math.Max(s.Products, a.Products)
                          && w.Observations >= s.Observations && w.Observations <= Math.Max(s.Observations, a.Observations);
            return new ReconciliationItem(source, s.Products, w.Products, s.Observations, w.Observations, matches);
        }).ToList();
        return new Reconciliation(asOf, items);
    }

    /// <summary>The mismatches in words, e.g. for a failed refresh's error.</summary>
    public string Describe() => string.Join("; ", Items.Where(i => !i.Matches).Select(i =>
        $"{i.Source}: store {i.StoreProducts} products / {i.StoreObservations} observations, warehouse {i.WarehouseProducts} / {i.WarehouseObservations}"));
}
