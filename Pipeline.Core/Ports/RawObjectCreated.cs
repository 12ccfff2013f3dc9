
namespace Pipeline.Core.Ports;

/// <summary>A new object landed in the raw zone (the S3 ObjectCreated event, or its local equivalent).</summary>
public sealed record RawObjectCreated(string Key, long Size);
