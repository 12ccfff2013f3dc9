using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Lambdas.Hosting;

namespace Pipeline.Tests.Lambdas;

/// <summary>The functions run on the AWS adapters only, and their package carries no embedded backend or Web assembly.</summary>
public sealed class LambdaPackageTests
{
    [Theory]
    [InlineData("Pipeline:Stream:Provider", "Local")]
    [InlineData("Pipeline:RawZone:Provider", "Local")]
    [InlineData("Pipeline:Store:Provider", "Local")]
    public void A_port_not_on_AWS_fails_naming_the_key(string key, string value)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:Stream:Provider"] = "Kinesis",
            ["Pipeline:RawZone:Provider"] = "S3",
            ["Pipeline:Store:Provider"] = "DynamoDb",
            [key] = value,
        };
        var error = Assert.Throws<InvalidOperationException>(() =>
            LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), logging => logging.ClearProviders()));
        Assert.Contains($"{key} is '{value}'", error.Message);
    }

    [Fact]
    public void The_AWS_ports_compose_without_the_embedded_adapters()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:Stream:Provider"] = "Kinesis",
            ["Pipeline:Aws:Region"] = "eu-west-1",
            ["Pipeline:Aws:Kinesis:StreamName"] = "products",
            ["Pipeline:RawZone:Provider"] = "S3",
            ["Pipeline:Aws:S3:BucketName"] = "raw-zone",
            ["Pipeline:Store:Provider"] = "DynamoDb",
            ["Pipeline:Warehouse:Provider"] = "BigQuery",
        };
        using var services = LambdaServices.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), logging => logging.ClearProviders());
        Assert.Equal("Kinesis", services.GetRequiredService<Pipeline.Core.Ports.IEventStream>().ProviderName);
        Assert.Equal("S3", services.GetRequiredService<Pipeline.Core.Ports.IRawZone>().ProviderName);
        Assert.Equal("DynamoDB", services.GetRequiredService<Pipeline.Core.Ports.IRunStore>().ProviderName);
    }

    [Fact]
    public void The_functions_depend_on_no_embedded_backend_or_Web_package()
    {
        var deps = Path.Combine(RepositoryRoot(), "Pipeline.Lambdas", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "Pipeline.Lambdas.deps.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(deps));
        var libraries = document.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToList();
        Assert.Contains(libraries, l => l.StartsWith("Pipeline.Adapters.Aws/", StringComparison.Ordinal));
        var forbidden = libraries.Where(l => new[] { "DuckDB", "SQLitePCLRaw", "Microsoft.Data.Sqlite", "Hangfire", "MudBlazor", "Pipeline.Adapters.Local", "Pipeline.Web" }
            .Any(f => l.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.Empty(forbidden);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Pipeline.sln not found above " + AppContext.BaseDirectory);
    }
}
