using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Adapters.Local;
using Pipeline.Core.Ports;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Adapters.Local;

/// <summary>The embedded store's and stream's health follows their WAL checkpoints: while they fail, the WAL only grows.</summary>
public sealed class WalHealthTests
{
    private static async Task<JsonElement> HealthAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;

    [Fact]
    public async Task Failing_checkpoints_make_the_store_degraded_without_naming_the_error_until_one_succeeds()
    {
        await using var factory = new PipelineAppFactory();
        using var client = factory.CreateApiClient(); // descriptions are for keyed callers
        Assert.Equal("Healthy", (await HealthAsync(client)).GetProperty("status").GetString());
        var checkpointer = factory.Services.GetRequiredService<SqliteDatabase>().Checkpointer;

        checkpointer.Fail(new IOException("No space left on device: /srv/private/pipeline/store.db-wal"));
        var health = await HealthAsync(client);

        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        var store = health.GetProperty("checks").GetProperty("store");
        Assert.Equal("Degraded", store.GetProperty("status").GetString());
        var description = store.GetProperty("description").GetString()!;
        Assert.Contains("WAL checkpoints are failing (1 so far)", description);
        Assert.DoesNotContain("/srv/private", description); // even keyed callers: the error stays in SqliteDatabase.Checkpoints
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("stream").GetProperty("status").GetString());
        // The operator's log has the cause, once per spell of failures.
        checkpointer.Fail(new IOException("No space left on device (again)"));
        var warnings = factory.Logs.Lines.Where(l => l.StartsWith("Warning") && l.Contains("WAL checkpoint of")).ToList();
        Assert.Contains("store.db", Assert.Single(warnings));
        Assert.Contains("No space left on device: /srv/private", warnings[0]);

        var pass = checkpointer.NextPassAsync();
        checkpointer.Nudge();
        await pass.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("Healthy", (await HealthAsync(client)).GetProperty("status").GetString());
        Assert.Contains(factory.Logs.Lines, l => l.StartsWith("Information") && l.Contains("succeed again after 2 failures") && l.Contains("store.db"));
    }

    [Fact]
    public async Task Failing_checkpoints_of_the_stream_file_make_the_stream_degraded()
    {
        await using var factory = new PipelineAppFactory();
        using var client = factory.CreateApiClient(); // descriptions are for keyed callers
        var stream = Assert.IsType<LocalEventStream>(factory.Services.GetRequiredService<IEventStream>());

        stream.Database.Checkpointer.Fail(new IOException("I/O error on /srv/private/pipeline/stream.db-wal"));
        var health = await HealthAsync(client);

        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        var check = health.GetProperty("checks").GetProperty("stream");
        Assert.Equal("Degraded", check.GetProperty("status").GetString());
        Assert.Contains("WAL checkpoints are failing (1 so far)", check.GetProperty("description").GetString());
        Assert.DoesNotContain("/srv/private", check.GetProperty("description").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.True(stream.Checkpoints.Failing);
        Assert.Contains(factory.Logs.Lines, l => l.StartsWith("Warning") && l.Contains("WAL checkpoint of") && l.Contains("stream.db"));
    }
}
