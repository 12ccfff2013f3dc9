using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>
/// The functions log one JSON object per line on stdout (what CloudWatch Logs indexes), with the run id in the scopes.
/// Redirects the process's stdout, so it runs in the non-parallel collection.
/// </summary>
[Collection(LambdaRuntimeCollection.Name)]
public sealed class StructuredLogTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    [Fact]
    public async Task Logs_are_json_lines_on_stdout_with_the_run_id_in_scope()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = _dataDirectory,
        }).Build();
        var stdout = Console.Out;
        using var captured = new StringWriter();
        string runId;
        Console.SetOut(captured);
        try
        {
            await using var services = LambdaServices.Build(configuration, adapters: EmbeddedAdapters.Add);
            var function = new TriggerIngestionFunction(services);
            await using var output = await function.HandleAsync(new MemoryStream(LambdaEvents.HttpPost("{\"source\":\"synthetic\",\"options\":{\"count\":10}}")));
            var response = (await JsonDocument.ParseAsync(output)).RootElement;
            Assert.Equal(202, response.GetProperty("statusCode").GetInt32());
            runId = JsonDocument.Parse(response.GetProperty("body").GetString()!).RootElement.GetProperty("runId").GetString()!;
        } // disposing the services flushes the console logger's queue
        finally
        {
            Console.SetOut(stdout);
        }

        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList(); // every line is one JSON object
        var published = Assert.Single(entries, e =>
            e.GetProperty("Category").GetString() == "Pipeline.Core.Stages.TriggerHandler"
            && e.GetProperty("Message").GetString()!.Contains("published", StringComparison.Ordinal));
        Assert.Equal("Information", published.GetProperty("LogLevel").GetString());
        var scopes = published.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Contains(scopes, s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("RunId", out var id) && id.GetString() == runId);
        Assert.Contains(scopes, s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("Function", out var f) && f.GetString() == "trigger_ingestion");
    }
}
