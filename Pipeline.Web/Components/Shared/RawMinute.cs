namespace Pipeline.Web.Components.Shared;

/// <summary>Objects and bytes written to the raw zone in one minute.</summary>
public sealed record RawMinute(DateTimeOffset Minute, int Objects, long Bytes);
