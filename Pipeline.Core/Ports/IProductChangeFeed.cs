using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>
/// A store that numbers its writes, so that a consumer (the warehouse refresh) reads only what changed since the
/// position it loaded last. Positions grow with each write that changes content; 0 means "before everything".
/// </summary>
public interface IProductChangeFeed
{
    /// <summary>The position of the newest committed change.</summary>
    Task<long> CurrentPositionAsync(CancellationToken ct);

    /// <summary>The position <paramref name="consumer"/> loaded last, or null when it never loaded.</summary>
    Task<long?> GetConsumerPositionAsync(string consumer, CancellationToken ct);

    Task SetConsumerPositionAsync(string consumer, long position, CancellationToken ct);

    /// <summary>
    /// Products whose content changed after <paramref name="after"/>, up to and including <paramref name="upTo"/>, with
    /// the fields a warehouse loads (id, source, title, category, brand, price, rating, stock, availability, content hash,
    /// last changed); a store may leave the others (description, discount, tags, SKU, thumbnail, sightings) empty.
    /// </summary>
    IAsyncEnumerable<Product> ScanChangedAsync(long after, long upTo, CancellationToken ct);

    /// <summary>Price observations added after <paramref name="after"/>, up to and including <paramref name="upTo"/>.</summary>
    IAsyncEnumerable<PriceObservation> ScanObservationsAddedAsync(long after, long upTo, CancellationToken ct);

    /// <summary>
    /// How many products and price observations the store held for each source at <paramref name="position"/>: products
    /// first written at or before it, observations added at or before it. What a refresh that loaded up to that position
    /// must find in the warehouse.
    /// </summary>
    Task<IReadOnlyList<SourceCounts>> CountsAtAsync(long position, CancellationToken ct);
}
