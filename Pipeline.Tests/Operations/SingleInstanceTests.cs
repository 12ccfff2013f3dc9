using System.Diagnostics;
using System.Net;
using Pipeline.Tests.Adapters.Local;
using Pipeline.Tests.Support;
using Pipeline.Web.Hosting;

namespace Pipeline.Tests.Operations;

/// <summary>
/// One instance per embedded data directory, with real processes (<c>dotnet Pipeline.Web.dll</c>): a second instance on
/// the same directory stops at once with one line naming the directory and the holder's pid (no stack trace) while the
/// first goes on serving; a lock file left by a killed instance blocks nothing.
/// </summary>
public sealed class SingleInstanceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string DataDirectory => _folder.Path;

    private Task<(int ExitCode, string Output, string Error)> StartSecondAsync() => RefusedStart.RunAsync(new Dictionary<string, string>
    {
        ["Pipeline__DataDirectory"] = DataDirectory,
        ["Pipeline__Security__ApiKeys__0"] = PipelineAppFactory.ApiKey,
        ["Pipeline__Security__Admin__PasswordHash"] = PipelineAppFactory.AdminPasswordHashValue,
    });

    [Fact]
    public async Task A_second_instance_on_the_same_data_directory_exits_at_once_with_one_line_and_the_first_still_serves()
    {
        await using var first = await PipelineProcess.StartAsync(DataDirectory);

        var clock = Stopwatch.StartNew();
        var (exitCode, output, error) = await StartSecondAsync();
        clock.Stop();

        Assert.Equal(DataDirectoryLock.InUseExitCode, exitCode);
        Assert.Equal($"data directory {Path.GetFullPath(DataDirectory)} is in use by another instance (pid {first.ProcessId})", error.Trim());
        Assert.DoesNotContain("   at ", output + error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the refusal took {clock.Elapsed}");
        using var api = first.CreateApiClient();
        using var health = await api.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var runs = await api.GetAsync("/api/ingestions");
        Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
    }

    [Fact]
    public async Task A_lock_file_left_by_a_killed_instance_does_not_block_the_next_start()
    {
        var killed = await PipelineProcess.StartAsync(DataDirectory);
        var killedPid = killed.ProcessId;
        await killed.KillAsync(); // SIGKILL: nothing of the app's own runs, the files stay
        await killed.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(DataDirectory, DataDirectoryLock.LockFileName)));
        Assert.Equal(killedPid.ToString(), File.ReadAllText(Path.Combine(DataDirectory, DataDirectoryLock.PidFileName)).Trim());

        await using var next = await PipelineProcess.StartAsync(DataDirectory);

        using var api = next.CreateApiClient();
        using var runs = await api.GetAsync("/api/ingestions");
        Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
        Assert.Equal(next.ProcessId.ToString(), File.ReadAllText(Path.Combine(DataDirectory, DataDirectoryLock.PidFileName)).Trim());
    }
}
