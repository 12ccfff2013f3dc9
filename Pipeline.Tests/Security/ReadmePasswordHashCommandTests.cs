using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Web.Security;

namespace Pipeline.Tests.Security;

/// <summary>
/// README's command that makes the admin password hash, run as written (read from README.md, so the test follows the
/// document): its standard output is the hash alone, and the app accepts that hash for that password.
/// </summary>
public sealed partial class ReadmePasswordHashCommandTests
{
    [GeneratedRegex("\"\\$\\((?<command>[^\"]*hash-password)\\)\"")]
    private static partial Regex CapturedCommand();

    [GeneratedRegex("echo '(?<password>[^']+)'")]
    private static partial Regex EchoedPassword();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task The_readme_command_prints_only_a_hash_that_the_app_accepts()
    {
        var root = RepositoryRoot();
        var commands = File.ReadAllLines(Path.Combine(root, "README.md"))
            .Select(line => CapturedCommand().Match(line)).Where(m => m.Success).Select(m => m.Groups["command"].Value).ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, c => Assert.Equal(commands[0], c)); // every copy in the README is the one tested here
        var command = commands[0];
        var password = EchoedPassword().Match(command).Groups["password"].Value;
        Assert.NotEmpty(password);

        // The README's command, through bash, from the repository root (as an operator pastes it): one `dotnet run`.
        var start = new ProcessStartInfo("bash", ["-c", command])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(deadline.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"`{command}` exited with {process.ExitCode}:\n{output}\n{await stderr}");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var hash = Assert.Single(lines);
        Assert.Equal(hash + "\n", output); // nothing before or after: `$( … )` captures exactly the hash
        Assert.True(AdminPasswordHash.IsWellFormed(hash), $"not a PasswordHasher v3 hash: {hash}");

        // The app's own check: what the start validates, and the sign-in's verifier with that hash configured.
        var admin = new AdminCredentials(Options.Create(new AdminAccountOptions { PasswordHash = hash }), Options.Create(new PipelineOptions()),
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = Environments.Production }, NullLogger<AdminCredentials>.Instance);
        Assert.True(admin.Verify("admin", password));
        Assert.False(admin.Verify("admin", password + "x"));
    }
}
