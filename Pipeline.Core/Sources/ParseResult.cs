using Pipeline.Core.Domain;

namespace Pipeline.Core.Sources;

/// <summary>What a page held: valid products, rejected records, and a page-level error when the page itself was unusable.</summary>
public sealed class ParseResult
{
    public List<Product> Products { get; } = [];
    public List<Rejection> Rejections { get; } = [];
    /// <summary>Records seen (valid + rejected).</summary>
    public int RecordCount { get; internal set; }
    /// <summary>Set when the page as a whole could not be read (malformed JSON, wrong envelope); no product is kept then.</summary>
    public string? PageError { get; internal set; }
    /// <summary>The envelope's <c>total</c>, when the format has one.</summary>
    public int? Total { get; internal set; }
}
