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
        var (exitCode, output, error) = await RefusedStart.RunAsync(new Dictionary<string, string>
        {
            ["Pipeline__DataDirectory"] = _data,
            ["Pipeline__Security__ApiKeys__0"] = PipelineAppFactory.ApiKey,
            // What a pasted command captured when `dotnet run` wrote its launch-settings line before the hash.
            ["Pipeline__Security__Admin__PasswordHash"] = "Using launch settings from Pipeline.Web/Properties/launchSettings.json...\n"
                                                          + PipelineAppFactory.AdminPasswordHashValue,
        });

        Assert.Equal(StartupValidation.ConfigurationExitCode, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Pipeline.Web cannot start: Pipeline:Security:Admin:PasswordHash is not a PasswordHasher v3 hash", line);
        Assert.DoesNotContain("   at ", output + error); // no stack trace anywhere
    }
}
