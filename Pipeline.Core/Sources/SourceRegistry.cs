namespace Pipeline.Core.Sources;

/// <summary>Finds sources by name.</summary>
public sealed class SourceRegistry(IEnumerable<IProductSource> sources)
{
    private readonly Dictionary<string, IProductSource> _byName =
        sources.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public IProductSource Get(string name) =>
        _byName.TryGetValue(name, out var source)
            ? source
            : throw new InvalidOptionException("source", $"Unknown source '{name}'. Known sources: {string.Join(", ", _byName.Keys.Order())}.");

    public bool TryGet(string name, out IProductSource source) => _byName.TryGetValue(name, out source!);
}
