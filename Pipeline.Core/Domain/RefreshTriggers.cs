namespace Pipeline.Core.Domain;

/// <summary>The <see cref="WarehouseRefresh.Trigger"/> values that link a refresh to what started it.</summary>
public static class RefreshTriggers
{
    /// <summary>The trigger of the refresh a run's end starts: <c>run:&lt;runId&gt;</c>.</summary>
    public static string AfterRun(string runId) => $"run:{runId}";

    /// <summary>The run whose end started a refresh with this trigger; null for other triggers.</summary>
    public static string? RunIdOf(string trigger) =>
        trigger.StartsWith(RunPrefix, StringComparison.Ordinal) ? trigger[RunPrefix.Length..] : null;

    private const string RunPrefix = "run:";
}
