using System.Runtime.InteropServices;

namespace Pipeline.Core.Adapters.Local;

/// <summary>
/// CPU time of the calling thread (Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), in <see cref="TimeSpan"/>
/// ticks; 0 elsewhere. Set beside wall-clock time it tells work from waiting: for a core, for the disk, for a lock.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static long Ticks()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ThreadCpuTime, out var t) != 0) return 0;
        return t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100;
    }
}
