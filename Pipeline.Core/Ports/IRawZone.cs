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
}

public sealed record RawListing(IReadOnlyList<RawObjectInfo> Items, string? NextPageToken);

/// <summary>A new object landed in the raw zone (the S3 ObjectCreated event, or its local equivalent).</summary>
public sealed record RawObjectCreated(string Key, long Size);

/// <summary>
/// In-process notifications of new raw objects: the local equivalent of the S3 → Lambda notification.
/// Used when the host runs the event-source mappings itself (embedded profile and local AWS servers).
/// </summary>
public interface IRawZoneNotifications
{
    ValueTask NotifyAsync(RawObjectCreated created, CancellationToken ct);
}
