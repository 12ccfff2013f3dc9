using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Tests.Support;

/// <summary>
/// Pipeline.Web as a real child process (<c>dotnet Pipeline.Web.dll</c> from the test's output folder) on a loopback
/// port and a given data directory, in Production with the test secrets, so it can be killed and started again.
/// </summary>
public sealed class PipelineProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _watchers = [];

    private PipelineProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(60));

    public static async Task<PipelineProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(dotnet, ["Pipeline.Web.dll"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Pipeline__DataDirectory"] = dataDirectory,
            ["Pipeline__Security__ApiKeys__0"] = PipelineAppFactory.ApiKey,
            ["Pipeline__Security__Admin__PasswordHash"] = PipelineAppFactory.AdminPasswordHashValue,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet Pipeline.Web.dll did not start");
        var child = new PipelineProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await child.WaitUntilHealthyAsync();
        return child;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 500) _output.TryDequeue(out _);
        lock (_watchers)
        {
            foreach (var watcher in _watchers.Where(w => w.Match(line)).ToList())
            {
                _watchers.Remove(watcher);
                watcher.Found.TrySetResult(line);
            }
        }
    }

    /// <summary>The first line of output (from now on) that <paramref name="match"/> accepts; fails at the timeout, showing the recent output.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_watchers) _watchers.Add((match, found));
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; recent output:\n{RecentOutput}");
        }
    }

    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", PipelineAppFactory.ApiKey);
        return client;
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.WaitForAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"Pipeline.Web exited with {_process.ExitCode}:\n{RecentOutput}");
            try
            {
                using var response = await http.GetAsync("/health");
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable; // not listening yet
            }
            catch (TaskCanceledException)
            {
                return HttpStatusCode.RequestTimeout; // listening, but busy starting (e.g. rebuilding a bulk load's indexes)
            }
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), $"Pipeline.Web on {BaseAddress} to answer /health");
    }

    /// <summary>Kills the process and its children at once (SIGKILL): no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
