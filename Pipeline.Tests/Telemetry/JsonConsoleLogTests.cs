using System.Text.Json;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Telemetry;

/// <summary>
/// <c>Logging__Console__FormatterName=json</c>, the standard switch, makes the app (a real process, configured as an
/// operator would) write one JSON object per line, and a stage's lines carry the run id in their scopes.
/// </summary>
public sealed class JsonConsoleLogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    [Fact]
    public async Task Stage_lines_are_json_with_the_run_id_in_their_scopes()
    {
        await using var app = await PipelineProcess.StartAsync(_dataDirectory, new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__LogLevel__Pipeline.Core.Stages"] = "Information",
        });
        var planned = app.WaitForLineAsync(line => IsEntry(line, "Pipeline.Core.Stages.TriggerHandler", "published"), Timeout, "the plan's \"published\" line");
        var transformed = app.WaitForLineAsync(line => IsEntry(line, "Pipeline.Core.Stages.TransformHandler", "Transformed"), Timeout, "a \"Transformed\" line");

        using var client = app.CreateApiClient();
        var runId = await client.StartRunAsync("synthetic", new { count = 20, pageSize = 10 });

        foreach (var line in new[] { await planned, await transformed })
        {
            var entry = JsonDocument.Parse(line).RootElement;
            Assert.Equal("Information", entry.GetProperty("LogLevel").GetString());
            Assert.Contains(entry.GetProperty("Scopes").EnumerateArray(),
                scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("RunId", out var id) && id.GetString() == runId);
        }
    }

    private static bool IsEntry(string line, string category, string messageStart)
    {
        if (!line.StartsWith('{')) return false;
        try
        {
            var entry = JsonDocument.Parse(line).RootElement;
            return entry.GetProperty("Category").GetString() == category
                   && entry.GetProperty("Message").GetString()!.Contains(messageStart, StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
