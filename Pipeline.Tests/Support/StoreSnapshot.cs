using Pipeline.Core.Domain;
using Pipeline.Core.Ports;

namespace Pipeline.Tests.Support;

/// <summary>Every product of a store with its price history, in id order: what a rebuild must reproduce exactly.</summary>
public static class StoreSnapshot
{
    /// <summary>The products with their tags apart (joined, so that the records compare by value) and their histories.</summary>
    public static async Task<List<(Product Product, string Tags, IReadOnlyList<PricePoint> History)>> TakeAsync(IProductStore store)
    {
        var products = new List<Product>();
        await foreach (var p in store.ScanAsync(CancellationToken.None)) products.Add(p);
        var snapshot = new List<(Product, string, IReadOnlyList<PricePoint>)>();
        foreach (var p in products.OrderBy(p => p.Id, StringComparer.Ordinal))
            snapshot.Add((p with { Tags = [] }, string.Join("|", p.Tags), await store.GetPriceHistoryAsync(p.Id, CancellationToken.None)));
        return snapshot;
    }
}
