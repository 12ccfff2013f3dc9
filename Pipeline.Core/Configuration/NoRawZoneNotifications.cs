using Pipeline.Core.Ports;

namespace Pipeline.Core.Configuration;

/// <summary>Where S3 sends ObjectCreated events itself (on AWS), the process needs not notify anyone.</summary>
public sealed class NoRawZoneNotifications : IRawZoneNotifications
{
    public ValueTask NotifyAsync(RawObjectCreated created, CancellationToken ct) => ValueTask.CompletedTask;
}
