namespace Pipeline.Core.Domain;

public sealed record CheapProduct(string Id, string Title, string Category, decimal Price);
