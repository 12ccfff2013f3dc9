using System.Runtime.InteropServices;

namespace Pipeline.Benchmarks;

/// <summary>
/// CPU time of this process (all its threads, native ones included) in seconds, from clock_gettime. On a machine shared
/// with other work, CPU time is what a piece of code cost; wall time also counts the time it waited for a core.
/// </summary>
public static partial class CpuClock
{
    private const int ProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static double ProcessSeconds()
    {
        if (!OperatingSystem.IsLinux()) return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        ClockGetTime(ProcessCpuTime, out var t);
        return t.Seconds + t.Nanoseconds / 1e9;
    }
}
