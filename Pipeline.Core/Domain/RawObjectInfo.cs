namespace Pipeline.Core.Domain;

public sealed record RawObjectInfo(string Key, long Size, DateTimeOffset LastModified);
