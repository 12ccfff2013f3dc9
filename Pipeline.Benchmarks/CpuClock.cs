using Pipeline.Adapters.Local;

namespace Pipeline.Benchmarks;

/// <summary>
/// CPU time of this process (all its threads, native ones included) in seconds, from clock_gettime. On a machine shared
/// with other work, CPU time is what a piece of code cost; wall time also counts the time it waited for a core.
/// </summary>
public static class CpuClock
{
    public static double ProcessSeconds() => OperatingSystem.IsLinux()
        ? (double)CpuTime.ProcessTicks() / TimeSpan.TicksPerSecond
        : System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}
