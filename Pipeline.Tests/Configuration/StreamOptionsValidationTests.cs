using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;

namespace Pipeline.Tests.Configuration;

/// <summary>The stream's settings are range-checked at start, although they sit in a nested options object.</summary>
public sealed class StreamOptionsValidationTests
{
    private static PipelineOptions Resolve(string key, string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value, ["Pipeline:DataDirectory"] = Path.GetTempPath() })
            .Build();
        using var provider = new ServiceCollection().AddLogging().AddPipelineCore(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PipelineOptions>>().Value;
    }

    [Theory]
    [InlineData("Pipeline:Stream:FetchConcurrency", "0")]
    [InlineData("Pipeline:Stream:FetchConcurrency", "65")]
    [InlineData("Pipeline:Stream:BatchSize", "0")]
    [InlineData("Pipeline:Stream:ShardCount", "100")]
    public void An_out_of_range_stream_setting_stops_the_start_naming_the_section(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(key, value));
        Assert.Contains("Pipeline:Stream", error.Message);
        Assert.Contains(key.Split(':')[^1], error.Message);
    }

    [Fact]
    public void Settings_in_range_are_taken()
    {
        Assert.Equal(16, Resolve("Pipeline:Stream:FetchConcurrency", "16").Stream.FetchConcurrency);
    }
}
