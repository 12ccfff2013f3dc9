namespace Pipeline.Core.Stages;

/// <summary>A request to ingest one source.</summary>
public sealed record StartIngestionRequest(string Source, IReadOnlyDictionary<string, string>? Options, string Trigger = "api");
