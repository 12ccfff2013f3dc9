using Pipeline.Core.Configuration;

namespace Pipeline.Web.Hosting;

/// <summary>
/// One instance per embedded data directory: an exclusive OS lock on <c>&lt;DataDirectory&gt;/instance.lock</c> (a file
/// opened with <see cref="FileShare.None"/>, which .NET takes as <c>flock(LOCK_EX)</c> on Linux and a sharing lock on
/// Windows), held for the life of the process. The OS drops the lock when the process ends however it ends, so a file
/// left by a killed process blocks nothing: the lock counts, not the file. The holder's pid is written to
/// <c>instance.pid</c> beside it (the locked file cannot be read by the refused instance) for the refusal's message.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    /// <summary>The exit code of a start refused because another instance holds the data directory (sysexits' EX_TEMPFAIL).</summary>
    public const int InUseExitCode = 75;

    public const string LockFileName = "instance.lock";
    public const string PidFileName = "instance.pid";

    private readonly FileStream _lock;

    private DataDirectoryLock(FileStream held) => _lock = held;

    /// <summary>
    /// Takes the lock on <paramref name="dataDirectory"/> (creating it), or returns null with the one-line refusal
    /// <c>data directory &lt;path&gt; is in use by another instance (pid N)</c>.
    /// </summary>
    public static DataDirectoryLock? TryAcquire(string dataDirectory, out string? refusal)
    {
        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        var pidFile = Path.Combine(directory, PidFileName);
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            refusal = $"data directory {directory} is in use by another instance (pid {HolderPid(pidFile)})";
            return null;
        }
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        held.SetLength(0);
        held.Write(System.Text.Encoding.UTF8.GetBytes(pid + "\n"));
        held.Flush(flushToDisk: true);
        File.WriteAllText(pidFile, pid + "\n");
        refusal = null;
        return new DataDirectoryLock(held);
    }

    /// <summary>
    /// Whether the configuration puts any embedded backend in the data directory (the local stream, the folder raw zone,
    /// the SQLite stores, the DuckDB warehouse, Hangfire's SQLite storage): only then is the directory locked.
    /// </summary>
    public static bool IsNeeded(IConfiguration configuration)
    {
        var options = PipelineOptions.From(configuration);
        return options.Stream.Provider == "Local" || options.RawZone.Provider == "Local" || options.Store.Provider == "Local"
               || options.Warehouse.Provider == "DuckDb"
               || (configuration["Pipeline:Scheduler:Storage"] ?? "Sqlite") == "Sqlite";
    }

    /// <summary><c>Pipeline:DataDirectory</c> as the app resolves it: relative to the content root.</summary>
    public static string DataDirectory(WebApplicationBuilder builder)
    {
        var configured = PipelineOptions.From(builder.Configuration).DataDirectory;
        return Path.GetFullPath(configured, builder.Environment.ContentRootPath);
    }

    /// <summary>The pid the holder wrote, or <c>unknown</c> while it has not written it yet.</summary>
    private static string HolderPid(string pidFile)
    {
        try
        {
            var text = File.ReadAllText(pidFile).Trim();
            return int.TryParse(text, out _) ? text : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public void Dispose() => _lock.Dispose();
}
