using System.Diagnostics;
using Pipeline.Tests.Support;
using Pipeline.Web.Hosting;

namespace Pipeline.Tests.Security;

/// <summary>A malformed setting stops the real process with one line naming it and a non-zero exit code, not a stack trace.</summary>
public sealed class MalformedSettingAtStartTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("pipeline-bad-setting-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task A_malformed_password_hash_stops_the_start_with_one_line_naming_the_setting()
    {
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet, ["Pipeline.Web.dll"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Pipeline__DataDirectory"] = _data;
        start.Environment["Pipeline__Security__ApiKeys__0"] = PipelineAppFactory.ApiKey;
        // What a pasted command captured when `dotnet run` wrote its launch-settings line before the hash.
        start.Environment["Pipeline__Security__Admin__PasswordHash"] = "Using launch settings from Pipeline.Web/Properties/launchSettings.json...\n"
                                                                       + PipelineAppFactory.AdminPasswordHashValue;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        var (output, error) = (await stdout, await stderr);

        Assert.Equal(StartupValidation.ConfigurationExitCode, process.ExitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Pipeline.Web cannot start: Pipeline:Security:Admin:PasswordHash is not a PasswordHasher v3 hash", line);
        Assert.DoesNotContain("   at ", output + error); // no stack trace anywhere
    }
}
