namespace Pipeline.Core.Sources;

public sealed record ParseContext(string Source, string RunId, string RawKey, DateTimeOffset SeenAt);
