namespace Pipeline.Web.Components.Shared;

/// <summary><c>Pipeline:Throughput</c>: how often run counters are sampled and how many samples are kept.</summary>
public sealed class ThroughputSamplingOptions
{
    public const string Section = "Pipeline:Throughput";

    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Samples kept (3 hours at the default interval).</summary>
    public int Capacity { get; set; } = 2160;
}
