using System.ComponentModel.DataAnnotations;

namespace Pipeline.Core.Configuration;

/// <summary>
/// <c>Pipeline:Limits</c>: how much work one request may ask for. A run planned beyond <see cref="MaxPagesPerRun"/> is
/// refused (400 naming the option where the page count is known up front, as for the synthetic source; the run fails at
/// planning otherwise).
/// </summary>
public sealed class RunLimitsOptions
{
    public const string Section = "Pipeline:Limits";

    /// <summary>Pages (raw objects, fetch tasks) one run may plan; 10,000 holds 1M synthetic products at the default page size.</summary>
    [Range(1, 1_000_000)]
    public int MaxPagesPerRun { get; set; } = 10_000;

    /// <summary>
    /// A replay whose published pages see no progress (none read or failed) for this long ends failed with the reason
    /// (a task lost to the stream's failure destination or its retention would otherwise keep it waiting for ever).
    /// </summary>
    public TimeSpan ReplayStallTimeout { get; set; } = TimeSpan.FromMinutes(15);
}
