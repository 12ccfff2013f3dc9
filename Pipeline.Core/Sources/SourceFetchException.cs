
namespace Pipeline.Core.Sources;

/// <summary>The source could not serve a page (after the HTTP pipeline's own retries).</summary>
public sealed class SourceFetchException(string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}
