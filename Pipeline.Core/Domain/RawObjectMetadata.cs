using System.Text.Json.Serialization;

namespace Pipeline.Core.Domain;

/// <summary>What the raw zone keeps beside the verbatim bytes.</summary>
public sealed record RawObjectMetadata
{
    public required string RunId { get; init; }
    public required string Source { get; init; }
    public required string SourceUrl { get; init; }
    public required DateTimeOffset FetchedAt { get; init; }
    public required string Sha256 { get; init; }
    public int Page { get; init; }
    public string ContentType { get; init; } = "application/json";

    /// <summary>The W3C traceparent of the fetch span that stored the page, so the transform continues the run's trace.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }
}
