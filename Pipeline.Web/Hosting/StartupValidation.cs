using Microsoft.Extensions.Options;

namespace Pipeline.Web.Hosting;

/// <summary>
/// Runs the options' start-up validation (<c>ValidateOnStart</c>) before the host starts, so that a bad setting (a
/// malformed password hash, a missing API key) stops the process with one line naming the setting, not a stack trace.
/// </summary>
public static class StartupValidation
{
    /// <summary>The exit code of a start refused for its configuration (sysexits' EX_CONFIG).</summary>
    public const int ConfigurationExitCode = 78;

    /// <summary>
    /// True when this assembly is the process's entry point (<c>dotnet Pipeline.Web.dll</c>, <c>dotnet run</c>); false in a
    /// test host (WebApplicationFactory), which expects the start itself to throw.
    /// </summary>
    public static bool RunsAsTheProgram => System.Reflection.Assembly.GetEntryAssembly() == typeof(StartupValidation).Assembly;

    /// <summary>Null when every validated option is valid, else one line naming each failure.</summary>
    public static string? Failure(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (Exception ex) when (Failures(ex) is { Count: > 0 } failures)
        {
            return "Pipeline.Web cannot start: " + string.Join(" ", failures);
        }
    }

    private static List<string> Failures(Exception ex) => ex switch
    {
        OptionsValidationException options => options.Failures.ToList(),
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures).ToList(),
        _ => [],
    };
}
