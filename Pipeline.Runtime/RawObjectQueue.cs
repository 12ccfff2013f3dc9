using Pipeline.Core.Ports;

namespace Pipeline.Runtime;

/// <summary>
/// The local equivalent of the S3 → Lambda notification: the raw zone's new objects, queued for the transform workers.
/// </summary>
public sealed class RawObjectQueue() : WorkQueue<RawObjectCreated>(10_000), IRawZoneNotifications
{
    public ValueTask NotifyAsync(RawObjectCreated created, CancellationToken ct) => EnqueueAsync(created, ct);
}
