using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;

// Pipeline.Screenshots: the README's pictures from the real app. Usage (scripts/screenshots.sh does the build first):
//   dotnet tools/screenshots/bin/Release/net10.0/Pipeline.Screenshots.dll --app Pipeline.Web/bin/Release/net10.0/Pipeline.Web.dll --out docs/images
var options = Args.Parse(args);
var app = Path.GetFullPath(options.GetValueOrDefault("app", "Pipeline.Web/bin/Release/net10.0/Pipeline.Web.dll"));
var output = Path.GetFullPath(options.GetValueOrDefault("out", "docs/images"));
var chromium = Environment.GetEnvironmentVariable("PIPELINE_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
var products = int.Parse(options.GetValueOrDefault("products", "20000"), System.Globalization.CultureInfo.InvariantCulture);
if (!File.Exists(app)) return Fail($"the app is not built at {app}: run 'dotnet build Pipeline.Web -c Release' (scripts/screenshots.sh does)");
if (!File.Exists(chromium)) return Fail($"Chromium not found at {chromium}: install Debian's 'chromium' package or set PIPELINE_CHROMIUM");

var dataDirectory = Directory.CreateTempSubdirectory("pipeline-screenshots-").FullName;
var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
var apiKey = "shots-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
var port = FreePort();
var baseUrl = $"http://127.0.0.1:{port}";
Process? server = null;
try
{
    var hash = (await RunAsync(app, ["hash-password"], stdin: password + "\n")).Trim();
    server = Start(app, new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_URLS"] = baseUrl,
        ["Pipeline__DataDirectory"] = dataDirectory,
        ["Pipeline__Security__ApiKeys__0"] = apiKey,
        ["Pipeline__Security__Admin__UserName"] = "admin",
        ["Pipeline__Security__Admin__PasswordHash"] = hash,
        ["Logging__LogLevel__Default"] = "Warning",
    });
    using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
    await Until(async () => (await http.GetAsync("/health")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the app to answer /health");
    Console.WriteLine($"app up on {baseUrl} (data in {dataDirectory})");

    // Two epochs of one catalog: the second moves about one price in ten, so the metrics have changes to show.
    string lastRun = "";
    foreach (var epoch in new[] { 1, 2 })
    {
        var started = await http.PostAsJsonAsync("/api/ingestions", new { source = "synthetic", options = new { count = products, seed = 7, epoch } });
        if (started.StatusCode != HttpStatusCode.Accepted) return Fail($"starting a run answered {(int)started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
        lastRun = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("runId").GetString()!;
        await Until(async () =>
        {
            var run = JsonDocument.Parse(await http.GetStringAsync($"/api/ingestions/{lastRun}")).RootElement;
            return run.GetProperty("refresh") is { ValueKind: JsonValueKind.Object } refresh
                   && refresh.GetProperty("status").GetString() is "succeeded" or "failed";
        }, TimeSpan.FromMinutes(5), $"run {lastRun} and its refresh");
        Console.WriteLine($"run {lastRun} (epoch {epoch}) ended and refreshed");
    }

    Directory.CreateDirectory(output);
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = chromium, Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
    });
    var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
    page.SetDefaultTimeout(60_000);
    await page.GotoAsync($"{baseUrl}/account/sign-in?ReturnUrl=%2F");
    await page.Locator("#user-name").FillAsync("admin");
    await page.Locator("#password").FillAsync(password);
    await page.Locator("#sign-in").ClickAsync();
    await page.Locator("#signed-in-user").WaitForAsync();

    await ShootAsync(page, $"{baseUrl}/", "#run-progress", Path.Combine(output, "overview.png"));
    await ShootAsync(page, $"{baseUrl}/runs/{lastRun}", "#run-timeline [data-stage=refresh][data-finished]", Path.Combine(output, "run.png"), fullPage: true);
    await ShootAsync(page, $"{baseUrl}/analytics", "#as-of", Path.Combine(output, "analytics.png"));
    await ShootAsync(page, $"{baseUrl}/throughput", "#rate-published", Path.Combine(output, "throughput.png"));
    return 0;
}
finally
{
    if (server is { HasExited: false })
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }
    try { Directory.Delete(dataDirectory, recursive: true); }
    catch (IOException) { /* a handle still closing: the temp folder is reclaimed later */ }
}

static async Task ShootAsync(IPage page, string url, string ready, string path, bool fullPage = false)
{
    await page.GotoAsync(url);
    await page.Locator(ready).First.WaitForAsync();
    await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    // Charts animate in; the picture is taken once nothing on the page moves any more.
    await page.EvaluateAsync("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))");
    await page.WaitForTimeoutAsync(1500);
    await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
    Console.WriteLine($"saved {path}");
}

static int Fail(string message)
{
    Console.Error.WriteLine($"screenshots: {message}");
    return 1;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static Process Start(string app, IReadOnlyDictionary<string, string> environment)
{
    var info = new ProcessStartInfo("dotnet") { ArgumentList = { app }, UseShellExecute = false, RedirectStandardOutput = false };
    info.WorkingDirectory = Path.GetDirectoryName(app)!;
    foreach (var (key, value) in environment) info.Environment[key] = value;
    return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
}

static async Task<string> RunAsync(string app, string[] arguments, string stdin)
{
    var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
    info.ArgumentList.Add(app);
    foreach (var a in arguments) info.ArgumentList.Add(a);
    using var process = Process.Start(info)!;
    await process.StandardInput.WriteAsync(stdin);
    process.StandardInput.Close();
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"'{string.Join(' ', arguments)}' exited with {process.ExitCode}");
    return output;
}

static async Task Until(Func<Task<bool>> done, TimeSpan limit, string what)
{
    var clock = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            if (await done()) return;
        }
        catch (HttpRequestException) when (clock.Elapsed < limit)
        {
            // not listening yet
        }
        if (clock.Elapsed > limit) throw new TimeoutException($"waited {limit.TotalSeconds:0} s for {what}");
        await Task.Delay(500);
    }
}

internal static class Args
{
    public static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --name value, got '{args[i]}'");
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }
}
