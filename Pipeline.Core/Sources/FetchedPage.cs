
namespace Pipeline.Core.Sources;

/// <summary>A page as the source served it: verbatim bytes and where they came from.</summary>
public sealed record FetchedPage(byte[] Bytes, string SourceUrl, string ContentType);
