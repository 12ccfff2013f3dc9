namespace Pipeline.Tests.Scheduling;

/// <summary>Settings that make the scheduler quick to react in tests (short polls), on top of the configured schedules.</summary>
public static class SchedulerTestSettings
{
    public static Dictionary<string, string?> Fast(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:Scheduler:PollInterval"] = "00:00:00.200",
            ["Pipeline:Scheduler:RunPollInterval"] = "00:00:00.100",
            ["Pipeline:Scheduler:SourceLockTimeout"] = "00:00:01",
            ["Pipeline:Throughput:SampleInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }
}
