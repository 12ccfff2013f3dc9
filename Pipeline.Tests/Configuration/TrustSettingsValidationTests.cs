using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core.Configuration;
using Pipeline.Core.Trust;
using Pipeline.Tests.Support;
using Pipeline.Web.Hosting;

namespace Pipeline.Tests.Configuration;

/// <summary>Webhook and freshness settings are checked at start; each refusal names its key.</summary>
public sealed class TrustSettingsValidationTests
{
    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        settings["Pipeline:DataDirectory"] = Path.GetTempPath();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddPipelineCore(configuration).BuildServiceProvider();
    }

    [Theory]
    [InlineData("Pipeline:Notifications:Webhooks:0:Url", "hooks.example.com/x", "Pipeline:Notifications:Webhooks:0:Url 'hooks.example.com/x' is not an absolute http(s) URL")]
    [InlineData("Pipeline:Notifications:Webhooks:0:Url", "ftp://hooks.example.com/x", "Pipeline:Notifications:Webhooks:0:Url")]
    [InlineData("Pipeline:Notifications:Webhooks:0:Events:0", "run.exploded", "Pipeline:Notifications:Webhooks:0:Events: 'run.exploded' is not an event")]
    [InlineData("Pipeline:Notifications:Webhooks:0:Events", "run.failed,source.gone", "'source.gone' is not an event")]
    [InlineData("Pipeline:Notifications:Webhooks:0:Format", "teams", "Pipeline:Notifications:Webhooks:0:Format 'teams'")]
    [InlineData("Pipeline:Notifications:MaxAttempts", "0", "Pipeline:Notifications:MaxAttempts must be 1-50")]
    public void A_bad_webhook_setting_stops_the_start_naming_its_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["Pipeline:Notifications:Webhooks:0:Url"] = "https://hooks.example.com/pipeline", [key] = value };
        using var provider = Provider(settings);
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<NotificationOptions>>().Value);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_can_be_a_list_or_one_comma_separated_value_and_default_to_all()
    {
        using var provider = Provider(new()
        {
            ["Pipeline:Notifications:Webhooks:0:Url"] = "https://hooks.example.com/a",
            ["Pipeline:Notifications:Webhooks:0:Events"] = "run.failed, check.failed",
            ["Pipeline:Notifications:Webhooks:1:Url"] = "http://127.0.0.1:8080/b",
            ["Pipeline:Notifications:Webhooks:1:Events:0"] = "source.stale",
            ["Pipeline:Notifications:Webhooks:2:Url"] = "https://hooks.slack.com/services/T/B/X",
            ["Pipeline:Notifications:Webhooks:2:Format"] = "slack",
        });
        var hooks = provider.GetRequiredService<IOptions<NotificationOptions>>().Value.Webhooks;
        Assert.Equal(["run.failed", "check.failed"], hooks[0].Events);
        Assert.Equal(["source.stale"], hooks[1].Events);
        Assert.True(hooks[2].Wants("run.succeeded") && hooks[2].IsSlack);
        Assert.False(hooks[0].Wants("run.succeeded"));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-01:00:00")]
    [InlineData("00:00:00")]
    public void A_freshness_limit_that_is_not_a_positive_TimeSpan_stops_the_start_naming_its_key(string value)
    {
        using var provider = Provider(new() { ["Pipeline:Sources:DummyJson:FreshnessMaxAge"] = value });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<FreshnessOptions>>().Value);
        Assert.Contains($"Pipeline:Sources:DummyJson:FreshnessMaxAge '{value}' is not a positive TimeSpan", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Freshness_limits_are_read_per_source_whatever_the_case_of_its_name()
    {
        using var provider = Provider(new() { ["Pipeline:Sources:DummyJson:FreshnessMaxAge"] = "1.02:00:00", ["Pipeline:Sources:fakestore:FreshnessMaxAge"] = "00:30:00" });
        var limits = provider.GetRequiredService<IOptions<FreshnessOptions>>().Value.MaxAge;
        Assert.Equal(TimeSpan.FromHours(26), limits["dummyjson"]);
        Assert.Equal(TimeSpan.FromMinutes(30), limits["FakeStore"]);
    }

    [Fact]
    public async Task The_real_process_refuses_a_bad_webhook_with_one_line_naming_each_key()
    {
        using var data = new TempDirectory();
        var (exitCode, output, error) = await RefusedStart.RunAsync(new Dictionary<string, string>
        {
            ["Pipeline__DataDirectory"] = data.Path,
            ["Pipeline__Security__ApiKeys__0"] = PipelineAppFactory.ApiKey,
            ["Pipeline__Security__Admin__PasswordHash"] = PipelineAppFactory.AdminPasswordHashValue,
            ["Pipeline__Notifications__Webhooks__0__Url"] = "example.com/hook",
            ["Pipeline__Notifications__Webhooks__0__Events"] = "run.failed,run.exploded",
        });

        Assert.Equal(StartupValidation.ConfigurationExitCode, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Pipeline.Web cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Notifications:Webhooks:0:Url 'example.com/hook' is not an absolute http(s) URL.", line, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Notifications:Webhooks:0:Events: 'run.exploded' is not an event", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error);
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pipeline-bad-webhook-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
