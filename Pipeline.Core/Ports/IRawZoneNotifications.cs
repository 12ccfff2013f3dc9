
namespace Pipeline.Core.Ports;

/// <summary>
/// In-process notifications of new raw objects: the local equivalent of the S3 → Lambda notification.
/// Used when the host runs the event-source mappings itself (embedded profile and local AWS servers).
/// </summary>
public interface IRawZoneNotifications
{
    ValueTask NotifyAsync(RawObjectCreated created, CancellationToken ct);
}
