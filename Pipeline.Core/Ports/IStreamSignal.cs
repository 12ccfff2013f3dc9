namespace Pipeline.Core.Ports;

/// <summary>
/// Optional capability of a stream: wake its consumers when data arrives, instead of them polling on a timer. An adapter
/// that has it registers it in the container beside its <see cref="IEventStream"/>; a consumer asks for it and polls
/// when none is registered.
/// </summary>
public interface IStreamSignal
{
    Task WaitForDataAsync(TimeSpan timeout, CancellationToken ct);
}
