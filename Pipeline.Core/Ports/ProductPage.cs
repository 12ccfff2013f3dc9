using Pipeline.Core.Domain;

namespace Pipeline.Core.Ports;

public sealed record ProductPage(IReadOnlyList<Product> Items, string? NextPageToken, string? PreviousPageToken = null);
