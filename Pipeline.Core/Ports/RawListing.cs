using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

public sealed record RawListing(IReadOnlyList<RawObjectInfo> Items, string? NextPageToken);
