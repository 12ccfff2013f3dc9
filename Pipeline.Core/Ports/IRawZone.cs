using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

/// <summary>The raw zone: verbatim bytes plus metadata, under S3-style keys. Folder or S3.</summary>
public interface IRawZone
{
    string ProviderName { get; }

    Task EnsureCreatedAsync(CancellationToken ct);

    /// <summary>Writes (or overwrites) the object; the same key with the same bytes is a no-op in effect.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> bytes, RawObjectMetadata metadata, CancellationToken ct);

    Task<RawObject?> GetAsync(string key, CancellationToken ct);

    Task<RawObjectMetadata?> HeadAsync(string key, CancellationToken ct);

    /// <summary>Lists objects under a prefix in key order, paged with an opaque token.</summary>
    Task<RawListing> ListAsync(string prefix, int limit, string? pageToken, CancellationToken ct);

    /// <summary>
    /// The health check's call: proves the raw zone answers at a cost that does not grow with its contents. By default a
    /// one-key listing (one bounded request on S3); an adapter whose listing costs more overrides it.
    /// </summary>
    Task ProbeAsync(CancellationToken ct) => ListAsync(RawKeys.Root, 1, null, ct);
}
