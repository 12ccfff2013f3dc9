namespace Pipeline.Runtime;

/// <summary>Settings of the local event-source mappings (<c>Pipeline:Local</c>).</summary>
public sealed class LocalMappingOptions
{
    public const string Section = "Pipeline:Local";

    /// <summary>
    /// Transform workers; 0 means eight per core (at least eight): a worker parses while others wait for the store's
    /// group commit, and more pages waiting means larger commits (1M Synthetic products on two cores: 16 workers made
    /// 2,200-2,500 commits instead of 3,900-4,200, and the runs 5-9% shorter than with 8; docs/performance-history.md).
    /// </summary>
    public int TransformWorkers { get; set; }

    public int MaxAttempts { get; set; } = 5;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long an idle stream consumer waits for new records before polling again.</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    public int EffectiveTransformWorkers => TransformWorkers > 0 ? TransformWorkers : Math.Max(8, 8 * Environment.ProcessorCount);
}
