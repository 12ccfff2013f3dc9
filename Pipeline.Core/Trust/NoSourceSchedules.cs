using Pipeline.Core.Ports;

namespace Pipeline.Core.Trust;

/// <summary>Where no scheduler runs (the Lambdas): no source is scheduled, so only configured limits apply.</summary>
public sealed class NoSourceSchedules : ISourceSchedules
{
    public TimeSpan? IntervalOf(string source) => null;
}
