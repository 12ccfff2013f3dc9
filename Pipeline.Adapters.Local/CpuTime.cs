using System.Runtime.InteropServices;

namespace Pipeline.Adapters.Local;

/// <summary>
/// CPU time from <c>clock_gettime</c> (Linux), in <see cref="TimeSpan"/> ticks; 0 elsewhere. Set beside wall-clock
/// time it tells work from waiting: for a core, for the disk, for a lock.
/// </summary>
internal static class CpuTime
{
    private const int ProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID: all the process's threads, native ones included
    private const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID: the calling thread

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread.</summary>
    public static long ThreadTicks() => Read(ThreadCpuTime);

    /// <summary>CPU time of the whole process.</summary>
    public static long ProcessTicks() => Read(ProcessCpuTime);

    private static long Read(int clock)
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(clock, out var t) != 0) return 0;
        return t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100;
    }
}
