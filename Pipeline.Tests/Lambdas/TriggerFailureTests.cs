using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.Lambdas;
using Pipeline.Lambdas.Hosting;
using Pipeline.Tests.Lambdas.Support;

namespace Pipeline.Tests.Lambdas;

/// <summary>The trigger never lets an exception escape: a broken backend gives a 500 problem with a logged correlation id.</summary>
public sealed class TriggerFailureTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipeline-lambda-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { /* reclaimed with the temp space */ }
    }

    [Fact]
    public async Task A_backend_that_cannot_open_gives_500_with_a_logged_correlation_id()
    {
        // The data directory lies under a regular file: the run store cannot be created, for real.
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var logs = new ListLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:DataDirectory"] = Path.Combine(file, "data"),
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        await using var services = LambdaServices.Build(configuration, logging => logging.AddProvider(logs), EmbeddedAdapters.Add);
        var function = new TriggerIngestionFunction(services);

        await using var output = await function.HandleAsync(new MemoryStream(LambdaEvents.HttpPost("{\"source\":\"synthetic\"}")));

        var response = (await JsonDocument.ParseAsync(output)).RootElement;
        Assert.Equal(500, response.GetProperty("statusCode").GetInt32());
        Assert.Equal("application/problem+json", response.GetProperty("headers").GetProperty("content-type").GetString());
        var problem = JsonDocument.Parse(response.GetProperty("body").GetString()!).RootElement;
        var correlationId = problem.GetProperty("correlationId").GetString()!;
        Assert.Equal(32, correlationId.Length);
        Assert.Contains(correlationId, problem.GetProperty("detail").GetString());
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(correlationId, StringComparison.Ordinal));
        Assert.NotNull(logged.Exception);
    }
}
