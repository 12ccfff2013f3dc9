namespace Pipeline.Core.Domain;

public sealed record RawObject(string Key, ReadOnlyMemory<byte> Bytes, RawObjectMetadata Metadata);
