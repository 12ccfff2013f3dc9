using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Tests.Adapters.Aws.EndToEnd;

/// <summary>
/// Debian's AWS CLI v2 (<c>/usr/bin/aws</c>, package <c>awscli</c>) as an independent reader of the local servers. The
/// dummy credentials go into the child process's environment only; no user configuration or profile is read.
/// </summary>
internal sealed class AwsCli : IDisposable
{
    public const string Path = "/usr/bin/aws";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _scratch = Directory.CreateTempSubdirectory("pipeline-e2e-cli-").FullName;

    private AwsCli()
    {
    }

    /// <summary>A folder for files the CLI writes (get-object targets); deleted with this instance.</summary>
    public string Scratch => _scratch;

    public static AwsCli Require()
    {
        if (!File.Exists(Path))
            throw new InvalidOperationException($"{Path} is missing: install Debian's AWS CLI v2 with 'apt-get install -y awscli'.");
        return new AwsCli();
    }

    /// <summary>Runs <c>aws --endpoint-url … --output json &lt;arguments&gt;</c>; fails the test on a non-zero exit.</summary>
    public async Task<JsonDocument> RunAsync(string endpoint, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--endpoint-url", endpoint, "--output", "json", .. arguments]) start.ArgumentList.Add(argument);
        start.Environment["AWS_ACCESS_KEY_ID"] = EmulatorEndpoints.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = EmulatorEndpoints.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = EmulatorEndpoints.Region;
        start.Environment["AWS_CONFIG_FILE"] = System.IO.Path.Combine(_scratch, "no-config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = System.IO.Path.Combine(_scratch, "no-credentials");
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = "";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"aws {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"aws {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(output);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
